"""The one escaping step between user-written strings and the portal.

Descriptions, contacts, commit messages, data values: anything a person or a data file wrote
is hostile until it passes through :func:`escape`. Each *context* makes a string inert where it
lands:

``text``
    Inline Markdown (paragraphs, headings, table cells): HTML and quotes are entity-escaped
    (so the result is inert in an attribute value too), Markdown syntax is backslash-escaped,
    control characters are dropped, and newlines become spaces.
``block``
    A description: a small, documented Markdown subset (paragraphs, bullet and numbered lists,
    inline code, links and bare URLs); everything else, HTML included, comes out as text.
``code``
    Inline code (a path, a column): a code span, or plain text when it holds a backtick.
``literal``
    One line inside a fenced code block: no newline, backtick or tilde can end the fence.
``shell``
    A shell word in a copy-paste command, quoted with :func:`shlex.quote`.
``html``
    Text inside raw HTML or an attribute value, and front-matter values the theme prints
    without escaping.
``mermaid``
    A quoted Mermaid node label.
``python``
    A Python string literal for copy-paste snippets.

Links survive only with an ``http``, ``https`` or ``mailto`` scheme, or as relative links that
cannot turn into a scheme; ``javascript:``, ``data:`` and friends stay visible text.

The Markdown escaping assumes the closed list of Markdown extensions the portal configures
(:data:`featurecat.portal.site.MARKDOWN_EXTENSIONS`); the injection tests build real sites.
"""

from __future__ import annotations

import html as _html
import json
import re
import shlex
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import yaml
from markupsafe import Markup

Context = Literal["text", "block", "code", "literal", "shell", "html", "mermaid", "python"]

# Characters Python-Markdown un-escapes after a backslash (core list plus the tables
# extension's "|"); escaping them stops emphasis, links, headings, lists, attr_list's "{: }"
# and the like. The rest have no backslash escape, so they become entities.
_BACKSLASHED = "\\`*_{}[]()#+-.!"
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "|": "&#124;",
    "~": "&#126;",
    "=": "&#61;",
}

# Control characters (C0 including Python-Markdown's \x02/\x03 placeholder markers, DEL, C1)
# and bidirectional overrides are dropped; they have no business in catalog text.
_DROP = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
_DROP += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CLEAN: dict[int, str | None] = {code: None for code in _DROP}
_CLEAN.update({ord("\t"): " ", 0x2028: "\n", 0x2029: "\n", ord("\r"): "\n"})

_INLINE: dict[int, str | None] = dict(_CLEAN)
_INLINE.update({ord(c): "\\" + c for c in _BACKSLASHED})
_INLINE.update({ord(c): e for c, e in _ENTITIES.items()})
_INLINE[ord("\n")] = " "


def escape(value: Any, context: Context = "text") -> Markup:
    """Make ``value`` inert in ``context``; the only way user text reaches a page."""
    text = str(value)
    if context == "text":
        return Markup(text.translate(_INLINE))
    if context == "block":
        return Markup(block(text))
    if context == "code":
        return Markup(code(text))
    if context == "html":
        return Markup(_html.escape(clean(text).replace("\n", " "), quote=True))
    if context == "mermaid":
        return Markup(mermaid_label(text))
    if context == "literal":
        return Markup(literal(text))
    if context == "shell":
        return Markup(shlex.quote(literal(text)))
    if context == "python":
        return Markup(json.dumps(clean(text)))
    raise ValueError(f"unknown escaping context {context!r}")


def clean(text: str) -> str:
    """``text`` without control characters and bidi overrides, with ``\\n`` line ends."""
    return text.replace("\r\n", "\n").translate(_CLEAN)


def text(value: str) -> str:
    """Inline Markdown that displays ``value`` exactly, as text."""
    return value.translate(_INLINE)


# --- descriptions ----------------------------------------------------------------------------

_LIST_ITEM = re.compile(r"^(?:[-*]|(\d{1,9})[.)])\s+(.*)$")
_INLINE_TOKEN = re.compile(
    r"(?P<code>(?<!`)(?P<ticks>`+)(?P<body>[^`].*?)(?<!`)(?P=ticks)(?!`))"
    r"|(?P<link>\[(?P<label>[^\[\]]*)\]\((?P<target>[^()\s]*)\))"
    r"|(?P<url>\b(?:https?://|mailto:)[^\s<>\"'`]+)"
)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""


def block(value: str) -> str:
    """A description as safe Markdown: paragraphs, lists, inline code and links only."""
    blocks: list[str] = []
    current: list[str] = []
    current_is_list = False
    for raw in clean(value).split("\n"):
        line = raw.strip()
        if not line:
            _flush(blocks, current)
            continue
        item = _LIST_ITEM.match(line)
        if (item is not None) != current_is_list and current:
            _flush(blocks, current)
        current_is_list = item is not None
        if item is not None:
            marker = f"{item.group(1)}." if item.group(1) else "-"
            current.append(f"{marker} {inline(item.group(2))}")
        else:
            current.append(inline(line))
    _flush(blocks, current)
    return "\n\n".join(blocks)


def _flush(blocks: list[str], current: list[str]) -> None:
    if current:
        blocks.append("\n".join(current))
        current.clear()


def inline(line: str) -> str:
    """One line of a description: code spans and safe links kept, everything else text."""
    out: list[str] = []
    position = 0
    for match in _INLINE_TOKEN.finditer(line):
        out.append(text(line[position : match.start()]))
        position = match.end()
        if match.group("code"):
            out.append(_code_span(match.group("code"), match.group("body")))
        elif match.group("link") is not None:
            out.append(link(match.group("label") or match.group("target"), match.group("target")))
        else:
            url_text = match.group("url")
            trimmed = url_text.rstrip(_TRAILING_PUNCTUATION)
            out.append(link(trimmed, trimmed))
            out.append(text(url_text[len(trimmed) :]))
    out.append(text(line[position:]))
    return "".join(out)


def code(value: str) -> str:
    """``value`` as an inline code span, or as text when a backtick would end the span."""
    flat = " ".join(clean(value).split())
    return f"`{flat}`" if flat and "`" not in flat else text(flat)


def literal(value: str) -> str:
    """One line of text for a fenced code block (which escapes HTML itself)."""
    return " ".join(clean(value).replace("`", "'").replace("~", "-").split())


def _code_span(whole: str, body: str) -> str:
    stripped = body.strip()
    if not stripped or "`" in stripped:
        return text(whole)
    return f"`{stripped}`"


def link(label: str, target: str) -> str:
    """A Markdown link when ``target`` is a safe URL, otherwise the whole thing as text."""
    href = url(target)
    if href is None:
        shown = label if label == target else f"[{label}]({target})"
        return text(shown)
    return f"[{text(label)}]({href})"


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_WEB = re.compile(r"^https?://[^/?#\s]+", re.IGNORECASE)
# Relative links keep only characters that cannot form an entity or a scheme once decoded.
_RELATIVE_SAFE = "/?#%=+-._~,@"
_ABSOLUTE_SAFE = "/:?#@!$&*+,;=%-._~"


def url(value: str) -> str | None:
    """``value`` as a URL that is safe in a link, or ``None`` when it is not allowed."""
    candidate = clean(value).strip()
    if not candidate or any(ch.isspace() for ch in candidate) or "\\" in candidate:
        return None
    scheme = _SCHEME.match(candidate)
    if scheme is not None:
        name = scheme.group(1).lower()
        if name in ("http", "https") and _WEB.match(candidate):
            return quote(candidate, safe=_ABSOLUTE_SAFE)
        if name == "mailto" and len(candidate) > len("mailto:"):
            return "mailto:" + quote(candidate[len("mailto:") :], safe="@.+-_,%")
        return None
    if candidate.startswith("//"):
        return None
    return quote(candidate, safe=_RELATIVE_SAFE)


# What RFC 3986 allows in a URL; anything else (spaces, quotes, angle brackets, backslashes,
# braces, control characters) could end an attribute or hide a scheme, so it is refused.
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def web_url(value: str) -> str | None:
    """``value`` when it is an absolute ``http(s)`` URL with a host, as written; else None."""
    if not _URL_CHARACTERS.fullmatch(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed port or IPv6 address
        return None
    return value if parts.scheme.lower() in ("http", "https") and host else None


def local_or_web_url(value: str) -> str | None:
    """``value`` when it is a web URL or a relative path (no scheme, no ``//`` host)."""
    if web_url(value) is not None:
        return value
    if not _URL_CHARACTERS.fullmatch(value) or value.startswith("//") or _SCHEME.match(value):
        return None
    return value


def markup_tree(value: Any) -> Any:
    """Every string in ``value`` (nested lists and mappings too) escaped as HTML text.

    Mapping keys stay as they are: templates look values up by them.
    """
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return escape(value, "html")
    if isinstance(value, list):
        return [markup_tree(item) for item in value]
    if isinstance(value, dict):
        return {key: markup_tree(item) for key, item in value.items()}
    return value


# --- other contexts --------------------------------------------------------------------------

_MERMAID = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "&": "#amp;", "`": "#96;"}


def mermaid_label(value: str) -> str:
    """A double-quoted Mermaid label; quotes, tags and entities cannot break out of it."""
    body = "".join(_MERMAID.get(ch, ch) for ch in clean(value).replace("\n", " "))
    return f'"{body}"'


# yaml.safe_dump's dumper, in C when libyaml is there (thousands of pages are dumped).
_SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def front_matter(meta: dict[str, Any]) -> str:
    """A YAML front-matter block, always safe-dumped, never assembled by hand."""
    dumped = yaml.dump(meta, Dumper=_SAFE_DUMPER, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{dumped}---\n\n"
