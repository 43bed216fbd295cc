"""Figures for the portal, drawn from numbers and names only.

Histograms are inline SVG whose every attribute is a number we computed; category bars are
HTML whose only text is escaped; the lineage is a Mermaid graph whose labels are quoted by
:func:`safety.mermaid_label`; the loader snippet is highlighted here once per page.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from functools import cache
from typing import Any

from markupsafe import Markup

from featurecat.portal import safety
from featurecat.portal.profile import ColumnProfile
from featurecat.printable import plural

_WIDTH, _HEIGHT, _GAP = 240, 56, 2


def num(value: int) -> Markup:
    """A count with thousands separators."""
    return Markup(f"{int(value):,}")


def real(value: float | None, kind: str = "number") -> Markup:
    """A measured value, short: ``36.23``, ``0.0373``, ``1,234``; times as UTC timestamps."""
    if value is None or math.isnan(value):
        return Markup("–")
    if kind == "time":
        return stamp(datetime.fromtimestamp(value, tz=timezone.utc))
    if value == int(value) and abs(value) < 1e15:
        return Markup(f"{int(value):,}")
    if abs(value) >= 1000:
        return Markup(f"{value:,.0f}")
    if abs(value) >= 1:
        return Markup(f"{value:.2f}".rstrip("0").rstrip("."))
    return Markup(f"{value:.3g}")


def pct(share: float | None) -> Markup:
    if share is None:
        return Markup("–")
    if share == 0:
        return Markup("0%")
    if share < 0.001:
        return Markup("&lt;0.1%")
    return Markup(f"{share * 100:.1f}%".replace(".0%", "%"))


def stamp(value: datetime) -> Markup:
    """A UTC timestamp to the minute, or the day when it is midnight."""
    utc = value.astimezone(timezone.utc) if value.tzinfo else value
    if (utc.hour, utc.minute, utc.second) == (0, 0, 0):
        return Markup(utc.strftime("%Y-%m-%d"))
    return Markup(utc.strftime("%Y-%m-%d %H:%M UTC"))


def badge(status: str) -> Markup:
    """A feature's status as a coloured pill."""
    label = safety.escape(status, "html")
    return Markup(f'<span class="fc-badge fc-badge--{label}">{label}</span>')


def contact(value: str, context: str = "text") -> Markup:
    """A team's contact: a mail or web link when it is one, text otherwise."""
    flat = " ".join(value.split())
    target = None
    if "@" in flat and " " not in flat and not flat.startswith(("@", "http")):
        target = safety.url(f"mailto:{flat}")
    elif flat.startswith(("http://", "https://")):
        target = safety.url(flat)
    if context == "html":
        label = safety.escape(flat, "html")
        href = safety.escape(target, "html") if target else None
        return Markup(f'<a href="{href}">{label}</a>') if href else label
    return Markup(safety.link(flat, target)) if target else safety.escape(flat, "text")


def code(value: str) -> Markup:
    """``value`` as inline code in raw HTML."""
    return Markup(f"<code>{safety.escape(value, 'html')}</code>")


def histogram(profile: ColumnProfile) -> Markup:
    """An inline SVG bar chart of a numeric or time column's exact bin counts.

    Each bar is a bin that holds rows (empty bins leave a gap, and no bar), its tooltip says
    the bin and its exact count; the axes are labelled with the range and the largest count.
    """
    if not any(rows for _, _, rows in profile.bins):
        return Markup("")
    peak = max(rows for _, _, rows in profile.bins)
    width = _WIDTH / len(profile.bins)
    kind = profile.kind
    bars = []
    for i, (low, high, rows) in enumerate(profile.bins):
        if not rows:
            continue
        height = max(1.0, _HEIGHT * rows / peak)
        tip = f"{real(low, kind)} to {real(high, kind)}: {plural(rows, 'row')}"
        bars.append(
            f'<rect x="{i * width + _GAP / 2:.1f}" y="{_HEIGHT - height:.1f}" '
            f'width="{max(width - _GAP, 1):.1f}" height="{height:.1f}" rx="1.5">'
            f"<title>{tip}</title></rect>"
        )
    total = sum(rows for _, _, rows in profile.bins)
    label = (
        f"Histogram of {safety.escape(profile.column, 'html')}: {total:,} values in "
        f"{len(profile.bins)} bins from {real(profile.minimum, kind)} to "
        f"{real(profile.maximum, kind)}; the fullest bin holds {peak:,}"
    )
    return Markup(
        f'<figure class="fc-histogram"><div class="fc-histogram__plot">'
        f'<span class="fc-histogram__y" aria-hidden="true">{peak:,}</span>'
        f'<svg class="fc-chart" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="{label}" '
        f'preserveAspectRatio="none">{"".join(bars)}</svg></div>'
        f"<figcaption><span>{real(profile.bins[0][0], kind)}</span>"
        f'<span class="fc-histogram__title">rows per bin of '
        f"{safety.escape(profile.column, 'html')}</span>"
        f"<span>{real(profile.bins[-1][1], kind)}</span></figcaption></figure>"
    )


def bars(profile: ColumnProfile) -> Markup:
    """Boolean shares as labelled bars; for text, the most frequent values in order."""
    if not profile.top:
        return Markup("")
    if any(count is None for _, count in profile.top):
        items = "".join(f"<li><code>{safety.escape(v, 'html')}</code></li>" for v, _ in profile.top)
        return Markup(f'<div class="fc-top"><span>Most frequent</span><ol>{items}</ol></div>')
    total = sum(count or 0 for _, count in profile.top) or 1
    rows = []
    for value, count in profile.top:
        share = (count or 0) / total
        rows.append(
            f"<tr><td>{safety.escape(value, 'html')}</td>"
            f'<td class="fc-bar-cell"><span class="fc-bar" style="width:{share * 100:.1f}%">'
            f"</span></td><td>{pct(share)}</td></tr>"
        )
    return Markup(f'<table class="fc-bars"><tbody>{"".join(rows)}</tbody></table>')


Node = tuple[str, str]  # (kind of page, name): "source", "feature" or "model"
#: Where data flows: each source with the features read from it, what uses them, and the
#: node whose page it is.
Flow = tuple[list[tuple[Node, list[Node]]], list[Node], Node]
_ROLES = {"source": "Source", "feature": "Feature", "model": "Model"}


def lineage(flow: Flow, links: Any) -> Markup:
    """A :data:`Flow` as plain HTML (no script, nothing drawn): every node links to its page,
    the page's own node is marked. On a phone the stages stack."""
    rows, sinks, focus = flow

    def node(item: Node) -> str:
        kind, name = item
        role = _ROLES[kind]
        label = (
            f'<span class="fc-node__role">{role}</span><code>{safety.escape(name, "html")}</code>'
        )
        classes = f"fc-node fc-node--{kind}"
        if item == focus:
            here = f'<span class="{classes} fc-node--focus" aria-current="page">{label}</span>'
            return f"<li>{here}</li>"
        return f'<li><a class="{classes}" href="{links.url(kind, name)}">{label}</a></li>'

    arrow = '<span class="fc-flow__arrow" aria-hidden="true"></span>'
    groups = "".join(
        f'<div class="fc-flow__row"><ul class="fc-flow__stage">{node(source)}</ul>{arrow}'
        f'<ul class="fc-flow__stage">{"".join(node(f) for f in features)}</ul></div>'
        for source, features in rows
    )
    if sinks:
        tail = f'{arrow}<ul class="fc-flow__stage">{"".join(node(s) for s in sinks)}</ul>'
    else:
        tail = f'{arrow}<p class="fc-flow__none">no model uses it yet</p>'
    return Markup(
        f'<div class="fc-flow" role="group" aria-label="Lineage">'
        f'<div class="fc-flow__rows">{groups}</div>{tail}</div>'
    )


_NAME = "featurecat_feature_name"


def snippet(name: str, catalog_path: str, keys: list[str]) -> Markup:
    """The copy-paste loader call, highlighted as MkDocs would (but once per entity, here)."""
    html = _highlighted(tuple(keys), catalog_path).replace(_NAME, str(safety.escape(name, "html")))
    return Markup(html)


@cache
def _highlighted(keys: tuple[str, ...], catalog_path: str) -> str:
    from pygments import highlight

    lexer, formatter = _highlighter()
    columns = ", ".join([*keys, "event_timestamp"])
    code = (
        "import featurecat\n\n"
        f"# labels: your training rows, with columns {columns}\n"
        "df = featurecat.load_features(\n"
        f"    [{json.dumps(_NAME)}], entity_df=labels, catalog={json.dumps(catalog_path)}\n"
        ")\n"
    )
    highlighted: str = highlight(code, lexer, formatter)
    return (
        '<div class="language-python highlight"><pre><span></span>'
        f"<code>{highlighted}</code></pre></div>"
    )


@cache
def _highlighter() -> tuple[Any, Any]:
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(), HtmlFormatter(nowrap=True)
