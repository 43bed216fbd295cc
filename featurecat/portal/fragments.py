"""Pre-rendered HTML carried by a generated page, its slots and sections (see :mod:`.plugin`).

A page's Markdown ends with a marker, then each fragment under its own header line, then the
page's sections (heading id and title, as JSON) for the table of contents.
"""

from __future__ import annotations

import json
import re

from markupsafe import Markup

from featurecat.portal import safety

FRAGMENTS = "\n<!-- featurecat:fragments -->\n"
_SLOT_TEXT = "<!-- featurecat:slot {} -->"
_FRAGMENT = re.compile(r"^<!-- featurecat:fragment (\d+) -->$", re.M)
_SECTIONS = re.compile(r"^<!-- featurecat:sections (.*) -->$", re.M)
_SLOT = re.compile(r"<!-- featurecat:slot (\d+) -->")

Sections = list[tuple[str, str]]


class Slots:
    """The fragments of one page, in order; ``put`` returns the slot that marks the place."""

    def __init__(self) -> None:
        self.fragments: list[str] = []
        self.sections: Sections = []

    def put(self, html: str) -> Markup:
        self.fragments.append(str(html).strip("\n"))
        return Markup("\n" + _SLOT_TEXT.format(len(self.fragments) - 1) + "\n")

    def section(self, anchor: str, title: str) -> Markup:
        """An ``<h2>`` inside a fragment, listed in the page's table of contents."""
        self.sections.append((anchor, title))
        a, t = safety.escape(anchor, "html"), safety.escape(title, "html")
        link = f'<a class="headerlink" href="#{a}" title="Permanent link">&para;</a>'
        return Markup(f'<h2 id="{a}">{t}{link}</h2>')

    def text(self) -> str:
        """What follows the page's Markdown: the marker, each fragment, the sections."""
        if not self.fragments:
            return ""
        pieces = [
            f"<!-- featurecat:fragment {i} -->\n{html}\n" for i, html in enumerate(self.fragments)
        ]
        if self.sections:
            pieces.append(f"<!-- featurecat:sections {json.dumps(self.sections)} -->\n")
        return FRAGMENTS + "".join(pieces)


def split(markdown: str) -> tuple[str, dict[str, str], Sections]:
    """The Markdown MkDocs should convert, the fragments by slot number, and the sections."""
    body, marker, tail = markdown.partition(FRAGMENTS)
    if not marker:
        return markdown, {}, []
    sections: Sections = []
    found = _SECTIONS.search(tail)
    if found:
        sections = [(str(a), str(t)) for a, t in json.loads(found.group(1))]
        tail = tail[: found.start()]
    parts = _FRAGMENT.split(tail)
    fragments = {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}
    return body, fragments, sections


def splice(html: str, fragments: dict[str, str]) -> str:
    """``html`` with each slot replaced by its fragment."""
    return _SLOT.sub(lambda match: fragments.get(match.group(1), ""), html)
