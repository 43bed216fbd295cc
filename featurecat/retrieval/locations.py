"""Entity rows and outputs at storage URIs: only under a location ``featurecat.yaml`` declares.

The same boundary as sources (:func:`featurecat.data.storage.place`): featurecat reads and
writes data only inside the repository or under a declared location, so a URI passed as
entity rows or as an export's output is refused, before any request, unless a location
holds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from featurecat.data.storage import SCHEMES, Place, place
from featurecat.errors import DataError, UsageError
from featurecat.names import PROJECT_FILE
from featurecat.schema.storage import check_uri, scheme_of

if TYPE_CHECKING:
    from featurecat.catalog import Catalog


def declared(catalog: Catalog, uri: str, what: str) -> Place:
    """The declared location holding ``uri`` (``what`` says what it is: 'entity rows',
    'output'), or a usage error saying to declare one in featurecat.yaml."""
    scheme = scheme_of(uri)
    if scheme not in SCHEMES:
        known = ", ".join(f"{s}://" for s in SCHEMES)
        raise UsageError(f"{what} {uri}: featurecat reads no {scheme}:// URIs; use one of {known}")
    try:
        check_uri(uri)
    except ValueError as exc:  # pydantic's error, whose message is ours
        raise UsageError(f"{what} {uri}: {exc}") from None
    try:
        return place(catalog, uri)
    except DataError:
        project = catalog.root / PROJECT_FILE
        raise UsageError(
            f"{what} {uri} is under no storage location of {project}, so featurecat does not "
            f"touch it; declare a location holding it under locations: in {PROJECT_FILE}"
        ) from None
