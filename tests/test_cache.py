"""The discovery cache: repeated list/show/search on an unchanged catalog skip the load, and
the cache is never stale and never trusted blindly."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from featurecat.cache import cache_folder
from tests.support import cli, make_catalog

COMMANDS = [
    ("list",),
    ("list", "--kind", "model", "--format", "json"),
    ("show", "user_age"),
    ("show", "growth", "--format", "json"),
    ("search", "age"),
    ("search", "owner:growth", "--format", "json"),
]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return make_catalog(tmp_path / "catalog")


def cache_files() -> list[Path]:
    return sorted(p for p in cache_folder().glob("*.json"))


def search_age(root: Path) -> str:
    result = cli("search", "age", "--format", "json", "--catalog", root)
    assert result.exit_code == 0, result.output
    return str(json.loads(result.output)[0]["description"])


def forge(file: Path, change: tuple[str, str], key: bytes | None) -> None:
    """Rewrite the cache file with a changed payload, re-signed with ``key`` if given. The
    new text is padded to the old one's length, so that only the MAC can tell."""
    old, new = change[0], change[1].ljust(len(change[0]))
    assert len(new) == len(old)
    header, payload = file.read_bytes().split(b"\n", 1)
    sign(file, header, payload.replace(old.encode(), new.encode()), key)


def sign(file: Path, header: bytes, payload: bytes, key: bytes | None) -> None:
    """Write ``payload`` under ``header``, with a MAC made with ``key`` if given."""
    magic, version, identity, mac = header.decode().split()
    if key is not None:
        mac = hmac.new(key, identity.encode() + b"\n" + payload, hashlib.sha256).hexdigest()
    file.write_bytes(f"{magic} {version} {identity} {mac}\n".encode() + payload)


def directory(file: Path) -> dict[str, Any]:
    """The cache file's directory: the JSON line after its header."""
    return dict(json.loads(file.read_bytes().split(b"\n", 2)[1]))


def test_warm_answers_match_cold_ones(root: Path) -> None:
    cold = [cli(*c, "--catalog", root).output for c in COMMANDS]
    assert len(cache_files()) == 1
    warm = [cli(*c, "--catalog", root).output for c in COMMANDS]
    assert warm == cold


def test_an_unchanged_catalog_is_answered_from_the_cache(root: Path) -> None:
    """A cache entry signed with the right key is believed: proof that it is what answers."""
    search_age(root)
    (file,) = cache_files()
    key = (cache_folder() / "key").read_bytes()
    forge(file, ("Age of the user in years.", "Age, from the cache here."), key)
    assert search_age(root) == "Age, from the cache here."


def test_a_changed_file_is_read_again(root: Path) -> None:
    assert search_age(root) == "Age of the user in years."
    age = root / "features/user/user_age.yaml"
    age.write_text(age.read_text().replace("in years.", "in whole years."))
    assert search_age(root) == "Age of the user in whole years."
    (root / "features/user/user_age.yaml").unlink()
    result = cli("show", "user_age", "--catalog", root)
    assert result.exit_code == 1  # gone, and the models listing it now fail the load
    assert "unknown feature 'user_age'" in result.output


def test_a_racy_change_with_the_same_size_and_time_is_seen(root: Path) -> None:
    """An edit within the same timestamp tick leaves size and mtime as they were; files that
    recent are compared by content."""
    age = root / "features/user/user_age.yaml"
    before = age.stat()
    assert search_age(root) == "Age of the user in years."
    age.write_text(age.read_text().replace("in years.", "in YEARS."))
    os.utime(age, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = age.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert search_age(root) == "Age of the user in YEARS."


def test_a_recent_file_is_compared_by_content(root: Path) -> None:
    """On a file system whose timestamps tick coarsely, an edit right after the cache was
    written keeps size, mtime and ctime: only its content tells. The catalog was just written,
    so its files are recent: a cache whose recorded content of user_age.yaml is not the file's
    (signed with the right key, so only the content check can refuse it) is not read."""
    search_age(root)
    (file,) = cache_files()
    blob = directory(file)["racy"]["features/user/user_age.yaml"]
    key = (cache_folder() / "key").read_bytes()
    forge(file, ("Age of the user in years.", "Age, from the cache here."), key)
    assert search_age(root) == "Age, from the cache here."  # the forgery alone is believed
    forge(file, (blob, "0" * len(blob)), key)
    assert search_age(root) == "Age of the user in years."


def test_a_forged_or_broken_cache_is_rebuilt_not_read(root: Path) -> None:
    search_age(root)
    (file,) = cache_files()
    forge(file, ("Age of the user in years.", "Forged text, wrong MAC."), None)
    assert search_age(root) == "Age of the user in years."
    forge(file, ("Age of the user in years.", "Forged text, another key."), b"k" * 32)
    assert search_age(root) == "Age of the user in years."
    header = file.read_bytes().split(b"\n", 1)[0]
    for garbage in (b"", b"\x80\x03cos\nsystem\n.", header + b"\n{not json", header + b"\n[]"):
        file.write_bytes(garbage)
        assert search_age(root) == "Age of the user in years."


def test_a_key_others_can_read_is_not_trusted(root: Path) -> None:
    search_age(root)
    key_file = cache_folder() / "key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_folder().stat().st_mode) == 0o700
    (file,) = cache_files()
    forge(file, ("Age of the user in years.", "Signed with a leaked key."), key_file.read_bytes())
    key_file.chmod(0o644)
    assert search_age(root) == "Age of the user in years."


def test_an_invalid_catalog_is_not_cached_and_fails_as_before(root: Path) -> None:
    (root / "teams/risk.yaml").write_text("name: risk\nslack: x\n")
    for _ in range(2):
        result = cli("list", "--catalog", root)
        assert result.exit_code == 1
        assert "teams/risk.yaml:2: error: unknown field 'slack'" in result.output
    assert cache_files() == []


def test_the_cache_lives_in_the_users_cache_folder(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache_folder() == tmp_path / "cache" / "featurecat"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_folder() == Path.home() / ".cache" / "featurecat"


def test_a_signed_cache_whose_layout_does_not_fit_is_rebuilt(root: Path) -> None:
    """Only featurecat holds the key, yet a signed file is still checked before it is read:
    a value that changed length, a column that points past the end, a directory that is not
    one. Each is rebuilt from the catalog, with no traceback."""
    search_age(root)
    (file,) = cache_files()
    key = (cache_folder() / "key").read_bytes()
    header, payload = file.read_bytes().split(b"\n", 1)
    head, body = payload.split(b"\n", 1)
    document = directory(file)
    document["kinds"]["feature"]["columns"][0][1] = len(body)  # names start past the end
    moved = json.dumps(document).encode()
    longer = payload.replace(b"Age of the user in years.", b"A longer forged description.")
    for forged in (b"[]", b"{not json", moved + b"\n" + body, longer, head + b"\n"):
        sign(file, header, forged, key)
        assert search_age(root) == "Age of the user in years."


def test_any_text_survives_the_cache(root: Path) -> None:
    """Values are stored by column, as UTF-8 text or JSON: quotes, backslashes, a line
    separator and non-ASCII text read back as they were written."""
    make_catalog(
        root,
        {
            "features/user/user_age.yaml": (
                "name: user_age\n"
                'description: "Age in years, \\"quoted\\" \\\\ '
                '\\u00e9t\\u00e9 \\u2028 \\U0001F600."\n'
                "owner: growth\nsource: user_profile\ndtype: int64\n"
                "tags: [pii, geo-data]\n"
            )
        },
    )
    commands = [
        ("show", "user_age", "--format", "json"),
        ("search", "age", "--format", "json"),
        ("list", "--tag", "pii", "--format", "json"),
    ]
    cold = [cli(*c, "--catalog", root) for c in commands]
    assert all(r.exit_code == 0 for r in cold), [r.output for r in cold]
    assert "\\\\ \\u00e9t\\u00e9 \\u2028 \\ud83d\\ude00." in cold[0].output
    assert [cli(*c, "--catalog", root).output for c in commands] == [r.output for r in cold]


def test_racy_files_are_hashed_until_they_are_old_enough(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The catalog was just written, so the first cache checks its files by content. Once
    they are older than RACY_SECONDS (here: at once), a read that finds them unchanged drops
    those checks, as git settles a racily clean index: a later edit changes their mtime."""
    search_age(root)
    (file,) = cache_files()
    assert "features/user/user_age.yaml" in directory(file)["racy"]
    monkeypatch.setattr("featurecat.cache.RACY_SECONDS", 0.0)
    key = (cache_folder() / "key").read_bytes()
    forge(file, ("Age of the user in years.", "Age, from the cache here."), key)
    assert search_age(root) == "Age, from the cache here."
    assert directory(file)["racy"] == {}
    assert search_age(root) == "Age, from the cache here."  # still this very cache
    age = root / "features/user/user_age.yaml"
    age.write_text(age.read_text().replace("in years.", "in whole years."))
    assert search_age(root) == "Age of the user in whole years."
