"""How fast is ``featurecat validate`` at 1,000 and 10,000 features?

Baseline (the floor), measured in the same run: a plain script that reads the same files,
parses them with ``yaml.CSafeLoader`` and validates them with a minimal pydantic model, with
no line tracking and no cross-file checks. Both run as whole processes.

    python benchmarks/validate_scale.py [--sizes 1000 10000] [--repeat 3]

Target: 10,000 features validate in at most 1.5x the floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import featurecat, measure

FLOOR = textwrap.dedent("""
    import sys
    from pathlib import Path
    import yaml
    from pydantic import BaseModel, ConfigDict

    class Anything(BaseModel):
        model_config = ConfigDict(extra="allow")
        name: str

    count = 0
    for path in sorted(Path(sys.argv[1]).rglob("*.yaml")):
        if "data" in path.parts:
            continue
        with open(path, "rb") as handle:
            Anything.model_validate(yaml.load(handle.read(), Loader=yaml.CSafeLoader))
        count += 1
    print(count)
""")


def generate(root: Path, n_features: int) -> None:
    """A catalog shaped like a big company's: teams, entities, sources, ~1 model per 50."""

    def write(relpath: str, text: str) -> None:
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    n_teams, n_entities, n_sources = 20, 8, max(10, n_features // 100)
    write("featurecat.yaml", "name: scale\ndescription: A generated catalog.\n")
    for t in range(n_teams):
        write(
            f"teams/team_{t}.yaml",
            f"name: team_{t}\ndescription: Team {t}.\ngithub: '@acme/team-{t}'\n",
        )
    for e in range(n_entities):
        write(
            f"entities/entity_{e}.yaml",
            f"name: entity_{e}\ndescription: Entity {e}.\njoin_keys: [entity_{e}_id]\n",
        )
    for s in range(n_sources):
        write(
            f"sources/source_{s}.yaml",
            textwrap.dedent(f"""\
            name: source_{s}
            description: Source {s}, a daily snapshot table.
            owner: team_{s % n_teams}
            entity: entity_{s % n_entities}
            path: source_{s}.parquet
            timestamp: event_timestamp
            """),
        )
    for f in range(n_features):
        write(
            f"features/group_{f % 40}/feature_{f}.yaml",
            textwrap.dedent(f"""\
            name: feature_{f}
            description: >-
              Feature number {f}: the rolling 30-day count of events of type {f % 17}
              for the entity, computed nightly. Null when the entity had no events.
            owner: team_{f % n_teams}
            source: source_{f % n_sources}
            column: col_{f}
            dtype: {("int64", "float64", "string", "bool")[f % 4]}
            version: {1 + f % 3}
            status: {("production", "draft")[f % 2]}
            tags: [tag_{f % 30}, generated]
            ttl: {1 + f % 60}d
            """),
        )
    for m in range(max(1, n_features // 50)):
        features = ", ".join(f"feature_{(m * 50 + i) % n_features}" for i in range(20))
        write(
            f"models/model_{m}.yaml",
            f"name: model_{m}\ndescription: Model {m}.\nowner: team_{(m + 1) % n_teams}\n"
            f"features: [{features}]\n",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'features':>9} {'floor s':>8} {'validate s':>10} {'ratio':>6} "
        f"{'floor MiB':>9} {'validate MiB':>12}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR)
        for size in args.sizes:
            root = Path(tmp) / f"catalog_{size}"
            generate(root, size)
            floor = measure([sys.executable, str(floor_script), str(root)], repeat=args.repeat)
            ours = measure(featurecat("validate", "--catalog", str(root)), repeat=args.repeat)
            print(
                f"{size:>9} {floor.seconds:>8.2f} {ours.seconds:>10.2f} "
                f"{ours.seconds / floor.seconds:>6.2f} {floor.peak_mib:>9.0f} "
                f"{ours.peak_mib:>12.0f}"
            )


if __name__ == "__main__":
    main()
