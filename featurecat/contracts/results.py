"""A run's results: one :class:`Outcome` per expectation, and the file the portal reads.

``featurecat test`` writes them to ``<catalog>/.featurecat/results/contracts.json`` (or
``--results PATH``), so a Pages job can run the tests and then build the site, which shows
each feature's latest status. The file is plain JSON (:func:`dumps` / :func:`loads`), with
paths relative to the catalog so it means the same in any checkout.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, get_args

from featurecat.contracts.judge import Status
from featurecat.contracts.kinds import Severity, Target

#: Where the results go, relative to the catalog folder (ignored by git).
RESULTS_FILE = ".featurecat/results/contracts.json"
FORMAT = "featurecat-contract-results/1"
#: At most this many failing rows are kept as examples of each failure.
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Outcome:
    """One expectation's result. ``path`` is the definition file as users open it, ``line``
    the line of the expectation in it, ``relpath`` the file inside the catalog."""

    target: Target
    name: str
    source: str
    kind: str
    severity: Severity
    status: Status
    message: str
    path: str
    line: int
    relpath: str
    examples: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        """Whether it fails the run: an ``error``-level expectation that does not hold, or
        one that could not be measured."""
        return self.status in ("fail", "error")

    @property
    def title(self) -> str:
        """``feature user_age: not_null``."""
        return f"{self.target} {self.name}: {self.kind}"


@dataclass(frozen=True)
class SourceState:
    """What the run saw of a source as a whole, for freshness on the portal."""

    rows: int | None
    newest: datetime | None
    warn_after: str | None = None
    error_after: str | None = None


@dataclass
class Results:
    """Every outcome of one run, and when "now" was for it."""

    catalog: str
    now: datetime
    outcomes: list[Outcome] = field(default_factory=list)
    sources: dict[str, SourceState] = field(default_factory=dict)
    commit: str | None = None
    skipped: tuple[str, ...] = ()
    """Expectation kinds left out of this run (``--skip``, or not selected)."""

    @property
    def failed(self) -> bool:
        return any(o.failed for o in self.outcomes)

    def counts(self) -> dict[Status, int]:
        """How many outcomes have each status, every status listed."""
        found = Counter(o.status for o in self.outcomes)
        return {status: found.get(status, 0) for status in get_args(Status)}

    def of(self, target: Target, name: str) -> list[Outcome]:
        """The outcomes of one feature or source, in run order."""
        return [o for o in self.outcomes if o.target == target and o.name == name]


def dumps(results: Results) -> str:
    """The results file's text."""
    document = {
        "format": FORMAT,
        "catalog": results.catalog,
        "commit": results.commit,
        "now": results.now.isoformat(),
        "counts": results.counts(),
        "skipped": list(results.skipped),
        "results": [_outcome_json(o) for o in results.outcomes],
        "sources": {
            name: {
                "rows": state.rows,
                "newest": state.newest.isoformat() if state.newest else None,
                "warn_after": state.warn_after,
                "error_after": state.error_after,
            }
            for name, state in results.sources.items()
        },
    }
    return json.dumps(document, indent=2) + "\n"


def loads(text: str) -> Results:
    """Results read back from :func:`dumps`'s text; ``ValueError`` when it is not one."""
    try:
        document = json.loads(text)
        if document.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        return Results(
            catalog=document["catalog"],
            now=datetime.fromisoformat(document["now"]),
            commit=document.get("commit"),
            skipped=tuple(document.get("skipped", ())),
            outcomes=[
                Outcome(**{**item, "examples": tuple(item.get("examples", ()))})
                for item in document["results"]
            ],
            sources={
                name: SourceState(
                    rows=state["rows"],
                    newest=datetime.fromisoformat(state["newest"]) if state["newest"] else None,
                    warn_after=state.get("warn_after"),
                    error_after=state.get("error_after"),
                )
                for name, state in document["sources"].items()
            },
        )
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a contract results file ({exc})") from None


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    found = asdict(outcome)
    found["examples"] = list(outcome.examples)
    return found
