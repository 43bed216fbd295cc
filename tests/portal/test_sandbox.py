"""The remembered attribute check answers as Jinja's own sandbox does, and still sandboxes."""

from __future__ import annotations

import types
from typing import Any

import pytest
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from featurecat.portal.sandbox import MemoSandbox


def _generator() -> Any:
    yield 1


class _Thing:
    name = "x"

    def method(self) -> None:
        pass


OBJECTS = [
    _generator,
    _Thing().method,
    _Thing,
    str,
    _generator.__code__,
    _generator(),
    _Thing(),
    "text",
    types.SimpleNamespace(a=1),
]
ATTRIBUTES = ["mro", "__globals__", "__code__", "func_globals", "gi_frame", "gi_code", "im_func",
              "__self__", "__func__", "upper", "name", "method", "co_code", "f_locals", "a"]  # fmt: skip


@pytest.mark.parametrize("obj", OBJECTS, ids=lambda o: type(o).__name__)
def test_same_answers_as_jinja(obj: Any) -> None:
    jinja, memo = SandboxedEnvironment(), MemoSandbox()
    for attribute in ATTRIBUTES:
        value = getattr(obj, attribute, None)
        for _ in range(2):  # the second answer comes from the memo
            assert memo.is_safe_attribute(obj, attribute, value) == jinja.is_safe_attribute(
                obj, attribute, value
            ), (obj, attribute)


@pytest.mark.parametrize(
    "source", ["{{ f.__code__.co_code }}", "{{ f.__globals__['os'] }}", "{{ ''.__class__.mro() }}"]
)
def test_templates_still_cannot_reach_python(source: str) -> None:
    for _ in range(2):
        with pytest.raises(SecurityError):
            MemoSandbox().from_string(source).render(f=_generator)
