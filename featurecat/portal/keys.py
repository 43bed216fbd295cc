"""Digests of what a page, and the whole site, is built from: what makes a build incremental.

An object page's HTML (a feature's, a team's...) is a function of its Markdown and of what
every page shares: the MkDocs config, the theme, the set of files (links resolve against it),
the navigation's titles (from the front matter of the generated pages in it, and from the
hand-written pages), featurecat's portal code and the versions of MkDocs and its extensions.
:func:`page_keys` digests exactly that, so an unchanged key means the cached HTML is what
MkDocs would write again.

:func:`site_digest` covers every input file of the MkDocs project; a site built from the same
digest, with its files all still there (:func:`intact`), needs no build at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from featurecat.portal.kinds import KINDS

#: The libraries whose code turns the Markdown into the site.
_LIBRARIES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "pygments", "jinja2")
_OBJECT_FOLDERS = frozenset(kind.folder for kind in KINDS)


def is_object_page(path: str) -> bool:
    """``<folder>/<name>/index.md`` of a kind of page: outside the navigation."""
    parts = path.split("/")
    return len(parts) == 3 and parts[0] in _OBJECT_FOLDERS and parts[2] == "index.md"


def page_keys(
    docs: Mapping[str, bytes], generated: Iterable[str], theme: Mapping[str, bytes], config: str
) -> dict[str, str]:
    """The key of each generated object page: its bytes and everything pages share."""
    made = set(generated)
    shared = hashlib.blake2b(digest_size=20)
    shared.update(code_digest().encode())
    shared.update(config.encode("utf-8"))
    for path in sorted(theme):
        _field(shared, path.encode(), theme[path])
    for path in sorted(docs):
        shared.update(path.encode() + b"\0")
        if path in made and path.endswith(".md") and not is_object_page(path):
            _field(shared, b"front", docs[path].split(b"\n---\n", 1)[0])  # the nav title
        elif path not in made and path.endswith(".md"):
            _field(shared, b"page", docs[path])  # hand-written: its title is its heading
    base = shared.digest()
    keys = {}
    for path in made:
        if is_object_page(path):
            key = hashlib.blake2b(base, digest_size=20)
            _field(key, path.encode(), docs[path])
            keys[path] = key.hexdigest()
    return keys


def _field(digest: Any, name: bytes, value: bytes) -> None:
    digest.update(b"%d:%s%d:" % (len(name), name, len(value)))
    digest.update(value)


@cache
def code_digest() -> str:
    """featurecat's portal code and templates, and the versions of the libraries it uses."""
    digest = hashlib.blake2b(digest_size=20)
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=-\n".encode())
    package = resources.files("featurecat")
    for folder in ("portal", "templates/portal"):
        root = Path(str(package / folder))
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                path = Path(dirpath) / name
                _field(digest, path.relative_to(root).as_posix().encode(), path.read_bytes())
    return digest.hexdigest()


def site_digest(files: Iterable[tuple[str, bytes]], extra: Any = None) -> str:
    """A digest of every input file of the MkDocs project (and ``extra`` settings)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(code_digest().encode())
    digest.update(json.dumps(extra, sort_keys=True).encode())
    for path, data in sorted(files):
        _field(digest, path.encode(), data)
    return digest.hexdigest()


def inventory(site: Path) -> dict[str, int]:
    """Every file of a built site, with its size."""
    found = {}
    for dirpath, _, filenames in os.walk(site):
        for name in filenames:
            path = Path(dirpath) / name
            found[path.relative_to(site).as_posix()] = path.stat().st_size
    return found


def intact(site: Path, files: Mapping[str, int]) -> bool:
    """Whether every file of the inventory is still in ``site``, with its size."""
    try:
        return all((site / path).stat().st_size == size for path, size in files.items())
    except OSError:
        return False
