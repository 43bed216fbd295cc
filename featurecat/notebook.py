"""Discovery in Python and notebooks: :func:`search`, :func:`show`, and their HTML displays.

Jupyter shows an object through its ``_repr_html_``: a catalog's summary
(``Catalog._repr_html_``), search results as a table, and a feature's card (description,
owner, dtype, status, a data profile when its data is at hand, similar features, and the
loader call to copy). Every user-written string passes through the portal's one escaping
step (:func:`featurecat.portal.safety.escape`), so a description holding HTML shows as text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from featurecat.names import SUMMARY_KINDS
from featurecat.portal.safety import escape
from featurecat.query import Hit

if TYPE_CHECKING:
    from typing import TypeAlias

    from featurecat.catalog import Catalog
    from featurecat.entries import Entries
    from featurecat.schema import Feature

    CatalogLike: TypeAlias = str | os.PathLike[str] | Catalog | None

_STYLE = (
    "<style>.fc-nb table{border-collapse:collapse}.fc-nb th,.fc-nb td{text-align:left;"
    "padding:2px 8px;vertical-align:top}.fc-nb code{white-space:pre-wrap}</style>"
)


def search(text: str, catalog: CatalogLike = None, *, limit: int | None = 20) -> SearchResults:
    """Objects of the catalog matching ``text``, best first, as :class:`~featurecat.query.Hit`.

    ``text`` is words and filters, as in ``featurecat search``: ``"age owner:growth"``,
    ``"tag:pii kind:feature"``; exact name matches and features come first. ``catalog`` is a
    loaded :class:`~featurecat.Catalog`, a catalog folder, or ``None`` to look for one as the
    CLI does (an unchanged folder is answered from the discovery cache). A notebook shows
    the results as a table.
    """
    from featurecat.query import search as run_search

    return SearchResults(run_search(_entries(catalog), text, limit))


def show(name: str, catalog: CatalogLike = None) -> FeatureCard:
    """Everything about feature ``name``: a notebook shows it as a card (its description,
    owner, dtype, status, profile, similar features and how to load it). An unknown name
    raises :class:`~featurecat.UnknownFeatureError` with close matches."""
    from featurecat.retrieval.api import open_catalog

    cat = open_catalog(catalog)
    return FeatureCard(cat, cat.feature(name))


class SearchResults(list[Hit]):
    """Search hits, best first; shown as a table in notebooks."""

    def _repr_html_(self) -> str:
        if not self:
            return '<div class="fc-nb"><p>Nothing matches.</p></div>'
        rows = "".join(
            f"<tr><td><code>{_h(h.name)}</code></td><td>{_h(h.kind.value)}</td>"
            f"<td>{_h(h.owner or '')}</td><td>{_h(h.status or '')}</td>"
            f"<td>{_h(_short(h.description))}</td></tr>"
            for h in self
        )
        head = "".join(f"<th>{t}</th>" for t in ("Name", "Kind", "Owner", "Status", "Description"))
        return (
            f'{_STYLE}<div class="fc-nb"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )


class FeatureCard:
    """One feature with what a notebook user needs to decide whether to use it."""

    def __init__(self, catalog: Catalog, feature: Feature) -> None:
        self.catalog = catalog
        self.feature = feature

    def __repr__(self) -> str:
        f = self.feature
        return f"<feature {f.name}: {f.dtype}, {f.status}, owned by {f.owner}>"

    def snippet(self) -> str:
        """The loader call to copy."""
        keys = ", ".join([*self.catalog.entity_of(self.feature).join_keys, "event_timestamp"])
        return (
            f"# labels: your training rows, with columns {keys}\n"
            f"df = featurecat.load_features([{self.feature.name!r}], entity_df=labels, "
            f"catalog={str(self.catalog.root)!r})"
        )

    def _repr_html_(self) -> str:
        from featurecat.similar import similar_features

        f, cat = self.feature, self.catalog
        entity = cat.entity_of(f)
        team = cat.teams[f.owner]
        owner = _h(team.name) + (f" ({_h(team.github)})" if team.github else "")
        facts = [
            ("Owner", owner),
            ("Type", f"<code>{_h(f.dtype)}</code>"),
            (
                "Status",
                _h(f.status)
                + (f", replaced by <code>{_h(f.replaced_by)}</code>" if f.replaced_by else ""),
            ),
            ("Version", str(f.version)),
            ("Entity", f"{_h(entity.name)} (join keys: {_h(', '.join(entity.join_keys))})"),
            ("Source", f"{_h(f.source)}, column <code>{_h(f.column_name)}</code>"),
            ("Max age (ttl)", _h(f.ttl or "none")),
            ("Tags", _h(", ".join(f.tags)) or "none"),
            ("Used by", _h(", ".join(m.name for m in cat.models_using(f.name))) or "no model"),
        ]
        similar = similar_features(cat).get(f.name, [])
        if similar:
            facts.append(
                (
                    "Similar",
                    "; ".join(f"<code>{_h(s.other)}</code> ({_h(s.because)})" for s in similar),
                )
            )
        facts.append(("Profile", self._profile()))
        rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
        return (
            f'{_STYLE}<div class="fc-nb"><h3><code>{_h(f.name)}</code></h3>'
            f"<p>{_h(f.description)}</p><table>{rows}</table>"
            f"<p>Load it:</p><pre><code>import featurecat\n{_h(self.snippet())}</code></pre></div>"
        )

    def _profile(self) -> str:
        """Rows, nulls, distinct values and range of the feature's column, when the data is
        local and readable; otherwise why not (a card never fails for want of data)."""
        from featurecat.data import locate
        from featurecat.data.duck import connect
        from featurecat.errors import DataError
        from featurecat.portal.profile import profile_source

        f = self.feature
        try:
            data = locate(self.catalog, f.source)
            with connect() as con:
                profile = profile_source(con, data, {f.column_name: f.dtype})
        except (DataError, OSError) as exc:
            return f"not available: {_h(str(exc).splitlines()[0])}"
        except Exception as exc:
            return f"not available: {_h(type(exc).__name__)}"
        column = profile.columns.get(f.column_name)
        parts = [f"{profile.rows:,} rows"]
        share = profile.null_share(f.column_name)
        if share is not None:
            parts.append(f"{share:.1%} null")
        if column is not None:
            parts.append(f"{column.distinct:,} distinct")
            if column.kind == "number":
                parts.append(
                    f"min {column.minimum:g}, mean {column.mean:g}, max {column.maximum:g}"
                )
        return _h(", ".join(parts))


def catalog_html(catalog: Catalog) -> str:
    """A catalog's summary: what it holds, by kind, team and status (counts only, so it
    stays small at any size)."""
    counts = "".join(
        f"<tr><th>{_h(kind.plural.capitalize())}</th><td>{len(catalog.objects(kind)):,}</td></tr>"
        for kind in SUMMARY_KINDS
    )
    teams = _tally(f.owner for f in catalog.features.values())
    statuses = _tally(f.status for f in catalog.features.values())
    description = _h(catalog.project.description or "")
    return (
        f'{_STYLE}<div class="fc-nb"><h3>Catalog {_h(catalog.project.name)}</h3>'
        f"<p>{description}</p><table>{counts}</table>"
        f"<p>Features by team: {teams}</p><p>By status: {statuses}</p>"
        "<p>Find features with <code>featurecat.search(&quot;words owner:team tag:x&quot;, "
        "catalog=cat)</code>; see one with <code>featurecat.show(&quot;name&quot;, "
        "catalog=cat)</code>.</p></div>"
    )


def catalog_text(catalog: Catalog) -> str:
    """``<Catalog shop: 23 features, 5 sources, ...>``."""
    counts = ", ".join(
        f"{len(catalog.objects(k))} {k.plural if len(catalog.objects(k)) != 1 else k.value}"
        for k in SUMMARY_KINDS
    )
    return f"<Catalog {catalog.project.name}: {counts}>"


def _entries(catalog: CatalogLike) -> Entries:
    from featurecat.catalog import Catalog
    from featurecat.entries import Entries

    if isinstance(catalog, Catalog):
        return Entries.of(catalog)
    if catalog is not None and not isinstance(catalog, str | os.PathLike):
        from featurecat.errors import UsageError

        raise UsageError(
            f"catalog must be the path of a catalog folder or a featurecat.Catalog, "
            f"not {type(catalog).__name__}"
        )
    from featurecat.cache import cached_entries

    return cached_entries(catalog)[0]


def _tally(values: Iterable[str]) -> str:
    counted: dict[str, int] = {}
    for value in values:
        counted[value] = counted.get(value, 0) + 1
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{_h(k)} {n:,}" for k, n in ranked) or "none"


def _short(text: str, width: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _h(value: Any) -> str:
    return str(escape(value, "html"))
