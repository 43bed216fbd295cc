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


def histogram(profile: ColumnProfile) -> Markup:
    """An inline SVG bar chart of a numeric or time column's bins."""
    if not profile.bins:
        return Markup("")
    peak = max(rows for _, _, rows in profile.bins) or 1
    width = _WIDTH / len(profile.bins)
    bars = []
    for i, (low, high, rows) in enumerate(profile.bins):
        height = max(1.0, _HEIGHT * rows / peak) if rows else 0.0
        tip = f"{real(low, profile.kind)} – {real(high, profile.kind)}: {rows:,} rows"
        bars.append(
            f'<rect x="{i * width + _GAP / 2:.1f}" y="{_HEIGHT - height:.1f}" '
            f'width="{max(width - _GAP, 1):.1f}" height="{height:.1f}" rx="1.5">'
            f"<title>{tip}</title></rect>"
        )
    low, high = profile.bins[0][0], profile.bins[-1][1]
    return Markup(
        f'<figure class="fc-histogram"><svg viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="Distribution of values" preserveAspectRatio="none">{"".join(bars)}</svg>'
        f"<figcaption><span>{real(low, profile.kind)}</span>"
        f"<span>{real(high, profile.kind)}</span></figcaption></figure>"
    )


def bars(profile: ColumnProfile) -> Markup:
    """The most frequent values of a text or boolean column as labelled bars."""
    if not profile.top:
        return Markup("")
    total = sum(rows for _, rows in profile.top) or 1
    rows = []
    for value, count in profile.top:
        share = count / total
        label = safety.escape(value, "html")
        css = ' class="fc-other"' if value == "other" and profile.kind == "text" else ""
        rows.append(
            f"<tr{css}><td>{label}</td>"
            f'<td class="fc-bar-cell"><span class="fc-bar" style="width:{share * 100:.1f}%">'
            f"</span></td><td>{pct(share)}</td></tr>"
        )
    return Markup(f'<table class="fc-bars"><tbody>{"".join(rows)}</tbody></table>')


_NODE_STYLES = {
    "source": "fill:#e3f2fd,stroke:#1e88e5,color:#0d47a1",
    "feature": "fill:#ede7f6,stroke:#5e35b1,color:#311b92",
    "model": "fill:#e8f5e9,stroke:#43a047,color:#1b5e20",
    "focus": "fill:#c5cae9,stroke:#283593,stroke-width:3px,color:#1a237e",
}

Node = tuple[str, str]  # (role, name): role is "source", "feature" or "model"


def lineage(edges: list[tuple[Node, Node]], focus: Node | None = None) -> Markup:
    """A Mermaid flowchart of ``edges`` (source -> feature -> model), ``focus`` highlighted."""
    ids: dict[Node, str] = {}
    lines = ["``` mermaid", "flowchart LR"]
    for node in dict.fromkeys(n for edge in edges for n in edge):
        ids[node] = f"n{len(ids)}"
        role = "focus" if node == focus else node[0]
        lines.append(f"  {ids[node]}[{safety.mermaid_label(node[1])}]:::{role}")
    lines.extend(f"  {ids[a]} --> {ids[b]}" for a, b in edges)
    lines.extend(f"  classDef {role} {style}" for role, style in _NODE_STYLES.items())
    lines.append("```")
    return Markup("\n".join(lines) + "\n")


def snippet(name: str, catalog_path: str, keys: list[str]) -> Markup:
    """The copy-paste loader call, highlighted as MkDocs would (but once, here)."""
    from pygments import highlight

    lexer, formatter = _highlighter()
    columns = ", ".join([*keys, "event_timestamp"])
    code = (
        "import featurecat\n\n"
        f"# labels: your training rows, with columns {columns}\n"
        "df = featurecat.load_features(\n"
        f"    [{json.dumps(name)}], entity_df=labels, catalog={json.dumps(catalog_path)}\n"
        ")\n"
    )
    html: str = highlight(code, lexer, formatter)
    return Markup(
        f'<div class="language-python highlight"><pre><span></span><code>{html}</code></pre></div>'
    )


@cache
def _highlighter() -> tuple[Any, Any]:
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(), HtmlFormatter(nowrap=True)
