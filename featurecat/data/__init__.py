"""Feature data: the one layer between featurecat and the files its sources name.

* :func:`locate` finds a source's data (inside the repository, or an error that says why
  not) as a :class:`SourceData`: its schema, its snapshot for manifests, its whole table,
  and writes through the write transaction.
* :func:`featurecat.data.duck.scan` is what every DuckDB query reads a source from.
* Each format has one reader in a closed registry (:mod:`featurecat.data.reader`).
* :mod:`featurecat.data.types` holds dtypes in arrow and pandas terms.

Nothing here imports pyarrow, pandas or DuckDB until data is read.
"""

from featurecat.data.files import SourceFilesError
from featurecat.data.source import SourceData, locate
from featurecat.tree import shown

__all__ = ["SourceData", "SourceFilesError", "locate", "shown"]
