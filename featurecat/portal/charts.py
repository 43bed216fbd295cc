"""Figures for the portal, drawn from numbers and names only.

Histograms are inline SVG whose every attribute is a number we computed; category bars are
HTML whose only text is escaped; the lineage is a Mermaid graph whose labels are quoted by
:func:`safety.mermaid_label`; the loader snippet is highlighted here once per page.
"""

from __future__ import annotations

import html
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


def code(value: str) -> Markup:
    """``value`` as inline code in raw HTML."""
    return Markup(f"<code>{safety.escape(value, 'html')}</code>")


def histogram(profile: ColumnProfile) -> Markup:
    """An inline SVG bar chart of a numeric or time column's bins."""
    if not profile.bins:
        return Markup("")
    peak = max(rows for _, _, rows in profile.bins) or 1
    width = _WIDTH / len(profile.bins)
    bars = []
    for i, (low, high, rows) in enumerate(profile.bins):
        height = max(1.0, _HEIGHT * rows / peak) if rows else 0.0
        span = f"{real(low, profile.kind)} – {real(high, profile.kind)}"
        tip = f"{span}: about {plural(round(rows), 'row')}"
        bars.append(
            f'<rect x="{i * width + _GAP / 2:.1f}" y="{_HEIGHT - height:.1f}" '
            f'width="{max(width - _GAP, 1):.1f}" height="{height:.1f}" rx="1.5">'
            f"<title>{tip}</title></rect>"
        )
    return Markup(
        f'<figure class="fc-histogram"><svg viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="Distribution of values" preserveAspectRatio="none">{"".join(bars)}</svg>'
        f"<figcaption><span>{real(profile.minimum, profile.kind)}</span>"
        f"<span>{real(profile.maximum, profile.kind)}</span></figcaption></figure>"
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


#: Translucent fills tint light and dark backgrounds alike; the labels keep the colour of
#: Material's scheme, so they stay readable in both.
_NODE_STYLES = {
    "source": "fill:#1e88e526,stroke:#1e88e5",
    "feature": "fill:#7e57c226,stroke:#7e57c2",
    "model": "fill:#43a04726,stroke:#43a047",
    "focus": "fill:#5c6bc066,stroke:#5c6bc0,stroke-width:3px",
}

Node = tuple[str, str]  # (role, name): role is "source", "feature" or "model"


def lineage(edges: list[tuple[Node, Node]], focus: Node | None = None) -> Markup:
    """A Mermaid flowchart of ``edges`` (source -> feature -> model), ``focus`` highlighted."""
    ids: dict[Node, str] = {}
    lines = ["flowchart LR"]
    for node in dict.fromkeys(n for edge in edges for n in edge):
        ids[node] = f"n{len(ids)}"
        role = "focus" if node == focus else node[0]
        lines.append(f"  {ids[node]}[{safety.mermaid_label(node[1])}]:::{role}")
    lines.extend(f"  {ids[a]} --> {ids[b]}" for a, b in edges)
    lines.extend(f"  classDef {role} {style}" for role, style in _NODE_STYLES.items())
    # The markup pymdownx.superfences gives a mermaid fence; Material renders it.
    source = html.escape("\n".join(lines), quote=False)
    return Markup(f'<pre class="mermaid"><code>{source}</code></pre>')


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
