"""The discovery cache's columns: every value reads back as written, whole or one by one,
and bytes that do not fit the layout are refused (the cache then rebuilds)."""

from __future__ import annotations

from typing import Any

import pytest

from featurecat.columns import StoredColumn, encode

COLUMNS: list[list[Any]] = [
    [],
    [""],
    ["a", "", "b\0c", "\ud800 é \u2028", "last"],  # a NUL inside a value: read by offsets
    ["x", None, "y"],
    [1, None, 2.5, True, ["pii", "a,b"], {"k": [1, {"n": None}]}, "s", "\0"],
    [f"row {i}" for i in range(200)],  # more than are read one by one before all at once
    [[i, None] for i in range(200)],
]


@pytest.mark.parametrize("values", COLUMNS)
def test_values_read_back_whole_and_one_by_one(values: list[Any]) -> None:
    encoding, blob, offsets = encode(values)
    one_by_one = StoredColumn(encoding, blob, offsets)
    assert len(one_by_one) == len(values)
    assert [one_by_one[i] for i in range(len(values))] == values
    assert StoredColumn(encoding, memoryview(blob), memoryview(offsets)).tolist() == values


def test_bytes_that_do_not_fit_are_refused() -> None:
    encoding, blob, offsets = encode(["a", "bc"])
    for bad in (
        (encoding, blob[:-1], offsets),  # the values end before the last offset
        (encoding, blob + b"x", offsets),
        (encoding, blob, offsets[:-1]),  # not whole offsets
        (encoding, blob, b""),
        ("pickle", blob, offsets),
    ):
        with pytest.raises(ValueError):
            StoredColumn(*bad)
    with pytest.raises(IndexError):
        StoredColumn(encoding, blob, offsets)[2]
