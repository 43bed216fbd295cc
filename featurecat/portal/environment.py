"""The sandboxed Jinja environment the page templates render in, and its filters.

Every ``{{ value }}`` that is not already marked safe is escaped as inline Markdown text by
``finalize``, and templates choose another context explicitly with the one filter,
``esc("block" | "html" | "mermaid" | "python")``, all defined in :mod:`.safety`. So a template
cannot print a user-written string unescaped by forgetting a filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from markupsafe import Markup

from featurecat.changes import summarize
from featurecat.dtypes import DTYPES
from featurecat.portal import charts, safety

SUMMARY_CHARS = 160


def summary(description: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence or so of a description, on one line."""
    flat = " ".join(safety.clean(description).split())
    end = flat.find(". ")
    if 0 < end < limit:
        return flat[: end + 1]
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class UserText(str):
    """A string that came from the catalog, history or data, on its way into a template.

    Wherever it meets trusted markup (``~``, ``join``, a Markup operand), markupsafe asks it
    for ``__html__``, which escapes it as Markdown text; printed alone, ``_finalize`` does the
    same. So escaping does not depend on the order of operations in a template.
    """

    __slots__ = ()

    def __html__(self) -> str:
        return safety.text(self)


def wrap(value: Any) -> Any:
    """``value`` with its strings (alone, or all of a list's) made :class:`UserText`."""
    if type(value) is str:
        return UserText(value)
    if type(value) in (list, tuple) and value and all(type(v) is str for v in value):
        return tuple(UserText(v) for v in value)
    return value


def _finalize(value: Any) -> Any:
    """Escape anything a template prints unless it was already made safe."""
    if isinstance(value, Markup):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f"a template printed {value!r}; print text, not a flag or a missing value")
    if isinstance(value, int | float):
        return Markup(str(value))
    return safety.escape(value, "text")


def _esc(value: Any, context: safety.Context = "text") -> Markup:
    return safety.escape(value, context)


def _join(items: Iterable[Any], separator: str = "", context: safety.Context = "text") -> Markup:
    """Like Jinja's join, but every item is escaped for ``context``."""
    return Markup(separator).join(
        item if isinstance(item, Markup) else safety.escape(item, context) for item in items
    )


def _summary(value: str) -> UserText:
    return UserText(summary(value))


def _day(value: datetime) -> Markup:
    return Markup(value.strftime("%Y-%m-%d"))


#: The only Jinja filters templates may use: none of them can turn a user string into
#: trusted markup (``safe``, ``e``, ``replace``, ``format``, ``tojson``... are left out).
_FILTERS = (
    "length", "count", "first", "last", "sort", "unique", "list", "map", "select", "reject",
    "selectattr", "rejectattr", "sum", "min", "max", "batch", "dictsort", "items", "int",
    "round", "abs", "attr", "default", "d",
)  # fmt: skip


@cache
def environment() -> Any:
    """The sandboxed Jinja environment the page templates render in (one per process)."""
    from jinja2 import PackageLoader, StrictUndefined

    from featurecat.portal.sandbox import MemoSandbox

    class PortalEnvironment(MemoSandbox):
        """Every string a template reads from an object arrives as :class:`UserText`."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            return wrap(super().getattr(obj, attribute))

        def getitem(self, obj: Any, argument: Any) -> Any:
            return wrap(super().getitem(obj, argument))

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            return wrap(super().call(__context, __obj, *args, **kwargs))

    env = PortalEnvironment(
        loader=PackageLoader("featurecat", "templates/portal/pages"),
        undefined=StrictUndefined,
        # Autoescape marks template and macro output as trusted and makes markupsafe call
        # UserText.__html__ when strings mix; the escaping itself is safety's.
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters = {name: env.filters[name] for name in _FILTERS}
    env.filters.update(
        esc=_esc,
        join=_join,
        summary=_summary,
        num=charts.num,
        real=charts.real,
        pct=charts.pct,
        stamp=charts.stamp,
        day=_day,
    )
    env.globals.update(
        histogram=charts.histogram,
        bars=charts.bars,
        badge=charts.badge,
        code=charts.code,
        lineage=charts.lineage,
        snippet=charts.snippet,
        contact=charts.contact,
        change_summary=summarize,
        dtypes=DTYPES,  # the contributing page lists them
    )
    return env
