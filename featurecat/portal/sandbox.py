"""Jinja's sandbox, with its attribute check remembered per type and attribute name.

Every ``{{ x.y }}`` in a sandboxed template asks :meth:`is_safe_attribute`, which looks at the
attribute's name and the kind of object it is read from (a function, a method, a type, a code
object, a generator...): nothing about the object itself. For the portal's thousands of pages
that check is a good share of the build, so its answer is kept per ``(type, name)``; the
answer is the same as Jinja's, as the tests check.
"""

from __future__ import annotations

from typing import Any

from jinja2.sandbox import SandboxedEnvironment

_SAFE: dict[tuple[type, str], bool] = {}


class MemoSandbox(SandboxedEnvironment):
    """A :class:`~jinja2.sandbox.SandboxedEnvironment` whose attribute check is remembered."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        key = (type(obj), attr)
        found = _SAFE.get(key)
        if found is None:
            found = _SAFE[key] = super().is_safe_attribute(obj, attr, value)
        return found
