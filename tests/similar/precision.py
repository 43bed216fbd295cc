"""The precision and recall of the similar-feature rules on the labelled pairs in pairs.csv.

Each labelled pair is two features of one entity reading different columns, so only the name
and description rules can flag it; they run as validate runs them
(:func:`featurecat.similar.similar_pairs`). Reproduce the numbers with:

    python -m tests.similar.precision
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from featurecat.similar import Candidate, similar_pairs

PAIRS = Path(__file__).parent / "pairs.csv"


@dataclass(frozen=True)
class Measured:
    """How the rules did on a labelled set."""

    pairs: int
    duplicates: int
    flagged: int
    right: int
    wrong: tuple[tuple[str, str], ...]

    @property
    def precision(self) -> float:
        return self.right / self.flagged

    @property
    def recall(self) -> float:
        return self.right / self.duplicates


def flags(name_a: str, description_a: str, name_b: str, description_b: str) -> bool:
    """Whether the rules call the two features similar."""
    first = Candidate(name_a, "user", "source_a", "column_a", None, description_a)
    second = Candidate(name_b, "user", "source_b", "column_b", None, description_b)
    return bool(similar_pairs([first, second]))


def measure(path: Path = PAIRS) -> Measured:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    flagged = [
        r for r in rows if flags(r["name_a"], r["description_a"], r["name_b"], r["description_b"])
    ]
    return Measured(
        pairs=len(rows),
        duplicates=sum(r["duplicate"] == "1" for r in rows),
        flagged=len(flagged),
        right=sum(r["duplicate"] == "1" for r in flagged),
        wrong=tuple((r["name_a"], r["name_b"]) for r in flagged if r["duplicate"] != "1"),
    )


def main() -> None:
    m = measure()
    print(f"{m.pairs} labelled pairs, {m.duplicates} duplicates")
    print(f"flagged {m.flagged}, of which {m.right} duplicates")
    print(f"precision {m.precision:.3f}  recall {m.recall:.3f}")
    for a, b in m.wrong:
        print(f"  false positive: {a} ~ {b}")


if __name__ == "__main__":
    main()
