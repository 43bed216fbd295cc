from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from featurecat import Catalog
from featurecat.compat import Report, assess
from featurecat.diff import compare
from featurecat.load import load_catalog
from tests.support import make_catalog

Assess = Callable[..., Report]


@pytest.fixture
def change(tmp_path: Path) -> Assess:
    """Assess the change from the base catalog (plus ``before``) to it plus ``after``."""

    def run(
        after: Mapping[str, str | None], before: Mapping[str, str | None] | None = None
    ) -> Report:
        old = Catalog.load(make_catalog(tmp_path / "old", before or {}))
        result = load_catalog(make_catalog(tmp_path / "new", {**(before or {}), **after}))
        assert result.catalog is not None
        return assess(compare(old, result.catalog), result.diagnostics)

    return run
