"""``site/mkdocs.yml``: the settings a catalog's site folder may override, and their shapes.

One rule for every value: text is text (the plugin escapes it before any template sees it)
and a link is an ``http(s)`` address, or for files of the site (stylesheets, scripts, a logo)
a relative path. Every setting has a shape here, so a wrong type is a diagnostic with the
file and line instead of an exception deep inside MkDocs or a theme template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from featurecat.errors import CatalogError, Diagnostic
from featurecat.origin import LineIndex, Loc
from featurecat.portal import safety
from featurecat.tree import displayer
from featurecat.yamlio import parse_document


@dataclass(frozen=True)
class OneOf:
    """Any of ``shapes``; ``says`` is what a value must be, for the message."""

    says: str
    shapes: tuple[Any, ...]


#: A shape is "text", "web" (an http(s) address), "link" (that or a relative path), "flag",
#: "any", a one-item list (a list of that shape), a dict (a mapping; "*" shapes other keys,
#: which are refused without it) or a OneOf.
_TOGGLE = {"icon": "text", "name": "text"}
_PALETTE = {
    "media": "text", "scheme": "text", "primary": "text", "accent": "text", "toggle": _TOGGLE,
}  # fmt: skip
_FONT = {"text": "text", "code": "text"}
THEME = {
    "palette": OneOf("a mapping or a list of mappings", (_PALETTE, [_PALETTE])),
    "features": ["text"],
    "font": OneOf(
        "false or a mapping of text and code", ("flag", {"text": "text", "code": "text"})
    ),
    "logo": "link",
    "favicon": "link",
    "icon": {"*": OneOf("an icon name or a mapping of them", ("text", {"*": "text"}))},
    "language": "text",
}
SETTINGS: dict[str, Any] = {
    "site_name": "text",
    "site_description": "text",
    "site_author": "text",
    "copyright": "text",
    "repo_name": "text",
    "site_url": "web",
    "repo_url": "web",
    "extra_css": ["link"],
    "extra_javascript": ["link"],
    # Material's own keys are checked; others are free for the site's theme overrides.
    "extra": {
        "social": [{"icon": "text", "link": "web", "name": "text"}],
        "generator": "flag",
        "homepage": "link",
        "alternate": [{"name": "text", "link": "link", "lang": "text"}],
        "tags": {"*": "text"},
        "status": {"*": "text"},
        "*": "any",
    },
    "theme": THEME,
}

_SAYS = {
    "text": "text",
    "web": "an http(s) address such as https://example.com/ (no spaces, quotes or brackets)",
    "link": "a relative path or an http(s) address (no spaces, quotes or brackets)",
    "flag": "true or false",
}


def read_settings(path: Path) -> dict[str, Any]:
    """The settings in ``path``, checked; every problem is a diagnostic with its line."""
    shown = displayer(path.parent)(path.name)
    document, problems = parse_document(path.read_bytes(), shown)
    errors = [p for p in problems if p.is_error]
    if document is None or errors:
        raise CatalogError(errors or problems)
    if document.value is None:
        return {}
    found = list(_check(document.value, SETTINGS, (), document.index, shown))
    if found:
        raise CatalogError(found)
    value: dict[str, Any] = document.value
    return {key: _typed(item) if isinstance(item, dict) else item for key, item in value.items()}


def _check(value: Any, shape: Any, loc: Loc, index: LineIndex, path: str) -> list[Diagnostic]:
    def problem(message: str, at: Loc = loc) -> list[Diagnostic]:
        line = index.locate(at)[0]
        return [Diagnostic(path, line, 1, "site-config", "error", message)]

    name = _name(loc) or "site/mkdocs.yml"
    if shape == "any":
        return []
    if isinstance(shape, OneOf):
        if any(not _check(value, s, loc, index, path) for s in shape.shapes):
            return []
        return problem(f"{name} must be {shape.says}")
    if isinstance(shape, list):
        if not isinstance(value, list):
            return problem(f"{name} must be a list")
        return [
            d
            for i, item in enumerate(value)
            for d in _check(item, shape[0], (*loc, i), index, path)
        ]
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return problem(f"{name} must be a mapping")
        found = []
        for key, item in value.items():
            if key in shape or "*" in shape:
                found += _check(item, shape.get(key, shape.get("*")), (*loc, key), index, path)
            else:
                found += problem(_unknown(loc, key, shape), (*loc, key))
        return found
    if not isinstance(value, str) or not _fits(value, shape):
        return problem(f"{name} must be {_SAYS[shape]}")
    return []


def _fits(value: str, shape: str) -> bool:
    if shape == "web":
        return safety.web_url(value) is not None
    if shape == "link":
        return safety.local_or_web_url(value) is not None
    if shape == "flag":
        return value in ("true", "false")
    return True


def _unknown(loc: Loc, key: str, shape: dict[str, Any]) -> str:
    allowed = ", ".join(sorted(shape))
    if not loc:
        return (
            f"'{key}' cannot be set here: the portal only takes {allowed} (it never runs "
            "plugins, hooks or extensions from the repository)"
        )
    if loc == ("theme",):
        return f"theme: '{key}' cannot be set here; allowed: {allowed}"
    return f"{_name(loc)}: '{key}' cannot be set here; allowed: {allowed}"


def _name(loc: Loc) -> str:
    """``extra.social[0].link`` for ``("extra", "social", 0, "link")``."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)[1:]


def _typed(value: Any) -> Any:
    """YAML 1.2 booleans and numbers, which the hardened reader keeps as strings."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if value in ("true", "false"):
        return value == "true"
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value
