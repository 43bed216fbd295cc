"""Measuring the data for contracts: one DuckDB query per source, through the data layer.

:func:`.run.run_contracts` runs a catalog's expectations (:mod:`.scan` builds the one pass
per source, and the uniqueness aggregation); :mod:`.previous` finds the previous version of
a source's data, and :mod:`.drift` compares the two. The judging and the formats are pure,
in :mod:`featurecat.contracts`.
"""
