"""Feature tables: the columns they can show, in one table, and the data their script pages.

Every list of features in the portal (all features, a team's, an entity's, a tag's...) is one
kind of table. Its first :data:`PAGE_ROWS` rows are HTML in the page, so it reads without
script; a longer table also names the catalog's feature data (``assets/featurecat/features.js``,
written once per build) and a filter, and ``portal.js`` takes it over: pages of rows, sorting,
a text filter and a filter per faceted column, header and filters kept on screen, and stacked
cards on a phone.

To add a column (a contract status, say), add a :class:`Column` to :data:`COLUMNS`: its value
for each feature goes into the data, and a ``facet`` column gets its own filter in every table
that shows it. ``tests/portal/test_table.py`` enumerates the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from markupsafe import Markup

from featurecat.portal import charts, safety

if TYPE_CHECKING:
    from featurecat.portal.links import Links
    from featurecat.portal.view import View
    from featurecat.schema import Feature

#: Rows per page of a table; also the rows a page carries as HTML.
PAGE_ROWS = 50
#: The feature data every long table reads, a script so that it loads from disk too.
DATA_FILE = "assets/featurecat/features.js"

Cell = Literal["link", "code", "text", "badge", "tags", "muted"]


@dataclass(frozen=True)
class Column:
    """One column a feature table can show."""

    key: str
    """Its name in the data, in ``show`` lists and in a table's ``where`` filter."""
    label: str
    value: Callable[[View, Feature], str | list[str]]
    cell: Cell = "text"
    """How a cell draws its value: a link to the feature, code, text, a status badge..."""
    facet: bool = False
    """Whether tables that show it offer a filter by its values."""


COLUMNS: tuple[Column, ...] = (
    Column("name", "Feature", lambda view, f: f.name, cell="link"),
    Column("dtype", "Type", lambda view, f: str(f.dtype), cell="code", facet=True),
    Column("owner", "Owner", lambda view, f: f.owner, facet=True),
    Column("entity", "Entity", lambda view, f: view.entity_name(f), facet=True),
    Column("source", "Source", lambda view, f: f.source, facet=True),
    Column("status", "Status", lambda view, f: str(f.status), cell="badge", facet=True),
    Column("tags", "Tags", lambda view, f: list(f.tags), cell="tags"),
    Column("description", "Description", lambda view, f: view.summary(f), cell="muted"),
)
BY_KEY = {column.key: column for column in COLUMNS}
#: Always shown: what the feature is, its type and what it means.
_ALWAYS = ("name", "dtype", "description")


def data_script(view: View) -> bytes:
    """``features.js``: every feature's row, for the tables that page through them."""
    rows = [[_plain(c.value(view, f)) for c in COLUMNS] for f in view.features]
    data = {"columns": [c.key for c in COLUMNS], "rows": rows}
    # ensure_ascii: no character in the file can end the script or the string early.
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return f"window.featurecatFeatures = {text};\n".encode("ascii")


def _plain(value: str | list[str]) -> str | list[str]:
    return safety.clean(value) if isinstance(value, str) else [safety.clean(v) for v in value]


def table(
    view: View,
    features: Iterable[Feature],
    show: tuple[str, ...],
    links: Links,
    *,
    where: tuple[str, str | list[str]] | None = None,
    filters: bool = False,
) -> Markup:
    """A feature table: ``show`` names the optional columns; ``where`` (column, value) is the
    filter that picks these features out of all of them, for the script (for ``name``, the
    list of names)."""
    keys = [c.key for c in COLUMNS if c.key in _ALWAYS or c.key in show]
    listed = list(features)
    paged = filters or len(listed) > PAGE_ROWS
    attributes = ""
    if paged:
        # The script reads the rows from the data file and keeps those matching ``where``.
        data = links.page(DATA_FILE)
        href = links.url("feature", "__name__")
        attributes = f' data-fc-data="{data}" data-fc-href="{href}" data-fc-total="{len(listed)}"'
        if where is not None:
            column, value = where
            joined = value if isinstance(value, str) else " ".join(value)
            attributes += f' data-fc-where="{safety.escape(column, "html")}"'
            attributes += f' data-fc-value="{safety.escape(joined, "html")}"'
    head = "".join(
        f'<th scope="col" data-fc-key="{k}"{" data-fc-facet" if BY_KEY[k].facet else ""}>'
        f"{BY_KEY[k].label}</th>"
        for k in keys
    )
    body = "\n".join(_row(view, f, keys, links) for f in listed[:PAGE_ROWS])
    more = ""
    if len(listed) > PAGE_ROWS:
        more = (
            f'<p class="fc-note fc-more">The first {PAGE_ROWS} of {len(listed):,} features; '
            "the rest are listed when scripts run.</p>"
        )
    wrap = ' data-fc-filters=""' if filters else ""
    return Markup(
        f'<div class="fc-table-wrap"{wrap}>'
        f'<table class="fc-table" data-fc-table{attributes}>'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>{more}</div>"
    )


def _row(view: View, feature: Feature, keys: list[str], links: Links) -> str:
    cells = []
    for key in keys:
        column = BY_KEY[key]
        value = column.value(view, feature)
        label = safety.escape(column.label, "html")
        if column.cell == "link":
            html = f'<a href="{links.url("feature", feature.name)}"><code>{_h(value)}</code></a>'
        elif column.cell == "code":
            html = f"<code>{_h(value)}</code>"
        elif column.cell == "badge":
            html = str(charts.badge(str(value)))
        elif column.cell == "tags":
            html = " ".join(_h(t) for t in value)
        else:
            html = _h(value)
        cells.append(f'<td data-label="{label}">{html}</td>')
    return f"<tr>{''.join(cells)}</tr>"


def _h(value: str | list[str]) -> str:
    return str(safety.escape(value if isinstance(value, str) else " ".join(value), "html"))
