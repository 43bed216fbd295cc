"""Pre-rendered HTML carried by a generated page, and its slots (see :mod:`.plugin`)."""

from __future__ import annotations

import re

from markupsafe import Markup

FRAGMENTS = "\n<!-- featurecat:fragments -->\n"
_SLOT_TEXT = "<!-- featurecat:slot {} -->"
_FRAGMENT = re.compile(r"^<!-- featurecat:fragment (\d+) -->$", re.M)
_SLOT = re.compile(r"<!-- featurecat:slot (\d+) -->")


class Slots:
    """The fragments of one page, in order; ``put`` returns the slot that marks the place."""

    def __init__(self) -> None:
        self.fragments: list[str] = []

    def put(self, html: str) -> Markup:
        self.fragments.append(str(html).strip("\n"))
        return Markup("\n" + _SLOT_TEXT.format(len(self.fragments) - 1) + "\n")

    def text(self) -> str:
        """What follows the page's Markdown: the marker, then each fragment."""
        if not self.fragments:
            return ""
        pieces = [
            f"<!-- featurecat:fragment {i} -->\n{html}\n" for i, html in enumerate(self.fragments)
        ]
        return FRAGMENTS + "".join(pieces)


def split(markdown: str) -> tuple[str, dict[str, str]]:
    """The Markdown MkDocs should convert, and the fragments by slot number."""
    body, marker, tail = markdown.partition(FRAGMENTS)
    if not marker:
        return markdown, {}
    parts = _FRAGMENT.split(tail)
    return body, {parts[i]: parts[i + 1].strip("\n") for i in range(1, len(parts) - 1, 2)}


def splice(html: str, fragments: dict[str, str]) -> str:
    """``html`` with each slot replaced by its fragment."""
    return _SLOT.sub(lambda match: fragments.get(match.group(1), ""), html)
