"""User text made safe to print: one rule for what a terminal must never receive raw.

Catalog values, file names and commit messages reach the terminal in diagnostics and in
``show``, ``search``, ``list``, ``log`` and ``diff``. Raw, a newline would split one problem
over two lines (or forge a second, well-formed diagnostic), and an escape sequence would
drive the terminal: OSC 52 writes the clipboard, OSC 8 makes links, CSI moves the cursor.

:func:`printable` turns every such character into a visible escape (``\\n``, ``\\x1b``,
``\\u202e``): C0 and C1 controls, DEL, the Unicode line and paragraph separators (which
``str.splitlines`` also splits on), and the bidirectional overrides that make a line read
differently from what it holds. Everything else, including non-ASCII letters, is kept.
The schema refuses control characters in names and paths with :func:`control_character`,
so both sides agree on what a control character is.
"""

from __future__ import annotations

import re

_CONTROLS = "\x00-\x1f\x7f-\x9f"
_SEPARATORS = "\u2028\u2029"
_BIDI = "\u202a-\u202e\u2066-\u2069"

_UNPRINTABLE = re.compile(f"[{_CONTROLS}{_SEPARATORS}{_BIDI}]")
_CONTROL = re.compile(f"[{_CONTROLS}]")

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` on one line, with control characters written as visible escapes."""
    return _UNPRINTABLE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """Like :func:`printable`, but keeps ``\\n``: for text of several lines that we
    composed, whose user values were not escaped one by one."""
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_path(path: str) -> str:
    """A path for the start of a ``PATH:LINE:`` line: :func:`printable`, and a ``:``
    escaped too, so a file named ``a:1: error: b.yaml`` cannot pass for path ``a``,
    line 1 (a Windows drive's ``C:`` stays as it is)."""
    shown = printable(path)
    drive, rest = (shown[:2], shown[2:]) if re.match(r"[A-Za-z]:[/\\]", shown) else ("", shown)
    return drive + rest.replace(":", "\\x3a")


def control_character(text: str, allowed: str = "") -> str | None:
    """The first C0 or C1 control character (or DEL) in ``text`` that is not in ``allowed``,
    written as an escape such as ``\\x00``; ``None`` when there is none."""
    for match in _CONTROL.finditer(text):
        if match.group() not in allowed:
            return _escape(match)
    return None


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 error``, ``2 errors``, ``1,200 entities`` (pass ``nouns`` when adding an s is wrong).

    Every count in a message goes through here, so that none says "1 sources".
    """
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"
