"""Feature contracts: declared expectations on the data, and what a run of them found.

The core of ``featurecat test``, pure like the rest of the core: the table of expectation
kinds (:mod:`.kinds`), the judges that turn what was measured into outcomes (:mod:`.judge`),
a run's results and their file (:mod:`.results`), their formats (:mod:`.render`), and drift
between two versions of a source's data (:mod:`.drift`). The data is measured by
:mod:`featurecat.measure` (I/O), one DuckDB query per source.
"""

# The schema's expect: models are built from this package's table of kinds, whose parameters
# use the schema's types: load the schema first, whichever of the two is imported first.
import featurecat.schema  # noqa: F401
