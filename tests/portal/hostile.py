"""A catalog whose every user-written string tries to become live markup somewhere."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

from tests.support import BASE_CATALOG

#: One entry per injection vector: a name, and the text a description carries.
VECTORS = {
    "script": "<script>alert('script')</script>",
    "onerror": '<img src=x onerror="alert(1)">',
    "javascript_link": "[click me](javascript:alert(2))",
    "javascript_autolink": "<javascript:alert(3)>",
    "data_link": "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
    "entity_link": "[sneaky](&#106;avascript:alert(5))",
    "reference_link": "[ref][x]\n\n[x]: javascript:alert(6)",
    "attr_list": 'text{: onclick="alert(7)" }',
    "jinja": "{{ 7*7 }} {% raw %}{{ config }}{% endraw %} {{ cycler.__init__.__globals__ }}",
    "mermaid_fence": '```mermaid\nflowchart LR\n  a["<img src=x onerror=alert(8)>"] --> b\n```',
    "tags_directive": "<!-- material/tags -->",
    "html_comment": "<!-- hidden --> <style>body{display:none}</style>",
    "front_matter": "---\ntitle: pwned\nsearch: {exclude: true}\n---",
    "markdown_image": "![x](javascript:alert(9))",
    "iframe": '<iframe src="https://evil.example"></iframe>',
}

HOSTILE_MARKERS = ("alert(", "onerror", "javascript:", "<script", "<iframe", "<style")


def _feature(name: str, description: str) -> str:
    body = textwrap.indent(description, "  ")
    return (
        f"name: {name}\n"
        f"description: |-\n{body}\n"
        "owner: growth\nsource: user_profile\ncolumn: user_age\ndtype: int64\n"
    )


def hostile_catalog() -> dict[str, str]:
    """The base catalog plus one feature per vector, and hostile team and model text."""
    files = dict(BASE_CATALOG)
    files["teams/growth.yaml"] = (
        "name: growth\n"
        "description: \"<script>alert('team')</script> [x](javascript:alert('team'))\"\n"
        "contact: \"<img src=x onerror=alert('contact')>\"\n"
    )
    files["models/churn_model.yaml"] = (
        "name: churn_model\n"
        "description: \"<svg onload=alert('model')> | broken | table\"\n"
        "owner: risk\nfeatures: [user_age, user_country]\n"
    )
    files["featurecat.yaml"] = 'name: test\ndescription: "\\"><script>alert(\'meta\')</script>"\n'
    for name, description in VECTORS.items():
        files[f"features/hostile/{name}.yaml"] = _feature(name, description)
    return files


HOSTILE_COMMIT = "<script>alert('commit')</script> [x](javascript:alert('commit'))"

# Attributes whose value a browser only ever shows as text (and data-*, which it never runs).
_TEXT_ATTRIBUTES = {"content", "title", "aria-label", "alt"}
# Tags that must never come out of catalog text, and attribute values that must never be live.
_FORBIDDEN_TAGS = {"iframe", "object", "embed", "img", "svg", "style", "form", "base", "meta"}


class _Scan(HTMLParser):
    def __init__(self, content_only: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.content_only = content_only
        self.depth = 0  # > 0 inside <article>, where page content lives
        self.stack: list[str] = []
        self.found: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        self.stack.append(tag)
        inside = self.depth > 0 or not self.content_only
        for key, value in attrs:
            value = (value or "").strip().lower()
            if key.startswith("on"):
                self.found.append(f"<{tag} {key}=...>")
            if key in ("href", "src", "action", "formaction", "xlink:href") and value.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.found.append(f"<{tag} {key}={value!r}>")
            text = key in _TEXT_ATTRIBUTES or key.startswith("data-")
            if "alert(" in value and not text:
                self.found.append(f"<{tag} {key}={value!r}>")
        if inside and tag in _FORBIDDEN_TAGS and not _ours(tag, dict(attrs)):
            self.found.append(f"<{tag}> in content")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("script", "style") and "alert(" in data:
            self.found.append(f"live <{self.stack[-1]}> with alert(")
        if self.depth > 0:
            self.text.append(data)


def _ours(tag: str, attrs: dict[str, str | None]) -> bool:
    """The portal's own figures: histogram SVGs."""
    return tag == "svg" and attrs.get("class") == "fc-chart"


def live_markup(html: str) -> list[str]:
    """Every piece of markup in ``html`` that catalog text could have made live."""
    scan = _Scan(content_only=True)
    scan.feed(html)
    return scan.found


def visible_text(html: str) -> str:
    """The page content's text as a browser shows it, whitespace collapsed."""
    scan = _Scan(content_only=True)
    scan.feed(html)
    return " ".join("".join(scan.text).split())


def flat(text: str) -> str:
    return " ".join(text.split())
