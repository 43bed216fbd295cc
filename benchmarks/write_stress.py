"""Writers in several processes, a reader racing them, and SIGKILLs: is a write ever lost or torn?

    python benchmarks/write_stress.py --rounds 200     # the full run (several minutes)
    python benchmarks/write_stress.py --rounds 20 --seed 20250601 --rows 20000 --kill-rate 0.5
                                                       # what the test suite runs

A catalog in a fresh git repository has a shared source (``user_profile``: ``user_age`` and
``user_country``) and a ``scratch`` source. Each round, every writer process makes one call:

* ``update_feature("user_age", ..., mode="append")`` with a row for a new user;
* ``update_feature("scratch_value", ..., mode="replace")`` with 1,000 rows all holding one token;
* ``register_feature`` of a new feature of its own;
* every fifth round, all writers register the *same* new feature: exactly one may win, the
  others must be refused with "already exists".

They start together, so their calls overlap. In some rounds (``--kill-rate``) one writer gets
SIGKILL at a random moment of its call (from its start to just after it returns); a spare
process takes its place and retries what it had not acknowledged. A reader process loops over
``get_feature`` the whole time and checks each answer against the writes acknowledged before
it asked.

After every round the script checks that every acknowledged write is there (appended users,
registered features with their data), that the catalog validates with ``--check-data``, that
the scratch file holds exactly one writer's token (never a mix), that a register is all of its
files or none, and that no temporary file, backup or unfinished journal is left behind.
It prints the counts and exits 1 when anything was lost, unreadable, torn or left over.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SCRATCH_ROWS = 1000
WAIT_SECONDS = 300  # a round that takes this long is stuck, not slow
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Stress",
    "GIT_AUTHOR_EMAIL": "stress@example.com",
    "GIT_COMMITTER_NAME": "Stress",
    "GIT_COMMITTER_EMAIL": "stress@example.com",
}
CATALOG = {
    "featurecat.yaml": "name: stress\n",
    "teams/growth.yaml": "name: growth\n",
    "entities/user.yaml": "name: user\njoin_keys: [user_id]\n",
    "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
    "path: user_profile.parquet\n",
    "sources/scratch.yaml": "name: scratch\nowner: growth\nentity: user\npath: scratch.parquet\n",
    "features/user/user_age.yaml": "name: user_age\ndescription: Age.\nowner: growth\n"
    "source: user_profile\ndtype: int64\n",
    "features/user/user_country.yaml": "name: user_country\ndescription: Country.\n"
    "owner: growth\nsource: user_profile\ncolumn: country\ndtype: string\n",
    "features/user/scratch_value.yaml": "name: scratch_value\ndescription: A token.\n"
    "owner: growth\nsource: scratch\ndtype: int64\n",
}


@dataclass
class Result:
    """What a run saw. ``lost``, ``unreadable``, ``torn`` and ``leftover`` must all be 0."""

    rounds: int = 0
    kills: int = 0
    acknowledged: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    reader_calls: int = 0
    lost: dict[str, str] = field(default_factory=dict)
    """Each lost write once (by its key), with where it was first missed."""
    unreadable: list[str] = field(default_factory=list)
    torn: list[str] = field(default_factory=list)
    leftover: dict[str, str] = field(default_factory=dict)
    """Each left-over file once (by its path), with the round that first saw it."""
    seconds: list[float] = field(default_factory=list)
    """How long each acknowledged call took (kills land at random moments within that)."""
    failed: list[str] = field(default_factory=list)
    """Writes that raised something other than the expected "already exists"."""

    @property
    def ok(self) -> bool:
        return not (self.lost or self.unreadable or self.torn or self.leftover or self.failed)

    def typical(self) -> float:
        return statistics.median(self.seconds) if self.seconds else 0.3

    def summary(self) -> str:
        acked = ", ".join(f"{n} {op}" for op, n in sorted(self.acknowledged.items()))
        lines = [
            f"rounds {self.rounds}, SIGKILLs {self.kills}, acknowledged writes "
            f"{sum(self.acknowledged.values())} ({acked}), refused as expected {self.refused}, "
            f"reader calls {self.reader_calls}, median write {self.typical():.2f} s",
            f"lost acknowledged writes: {len(self.lost)}",
            f"unreadable files or failed reads: {len(self.unreadable)}",
            f"torn writes (part of a change, or a mixed file): {len(self.torn)}",
            f"leftover temporary files, backups or journals: {len(self.leftover)}",
            f"writes that failed unexpectedly: {len(self.failed)}",
        ]
        for label, items in (
            ("lost", self.lost),
            ("unreadable", self.unreadable),
            ("torn", self.torn),
            ("leftover", self.leftover),
            ("failed", self.failed),
        ):
            shown = items.values() if isinstance(items, dict) else items
            lines += [f"  {label}: {item}" for item in list(shown)[:5]]
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--kill-rate", type=float, default=0.4, help="share of rounds with a kill")
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the shared source")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    parser.add_argument(
        "--worker", nargs=3, metavar=("ID", "CATALOG", "CONTROL"), help=argparse.SUPPRESS
    )
    parser.add_argument("--reader", nargs=2, metavar=("CATALOG", "CONTROL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(int(args.worker[0]), Path(args.worker[1]), Path(args.worker[2]))
        return
    if args.reader:
        reader(Path(args.reader[0]), Path(args.reader[1]))
        return
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    print(f"seed {seed}, {args.writers} writers, kill rate {args.kill_rate}, {args.rows} rows")
    started = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        result = run(args.keep, args.rounds, args.writers, args.kill_rate, seed, args.rows)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = run(Path(folder), args.rounds, args.writers, args.kill_rate, seed, args.rows)
    print(result.summary())
    print(f"{time.perf_counter() - started:.0f} s")
    sys.exit(0 if result.ok else 1)


def run(
    folder: Path, rounds: int, writers: int, kill_rate: float, seed: int, rows: int = 50_000
) -> Result:
    """The stress run in ``folder``: set up the catalog, start the processes, check each round."""
    rng = random.Random(seed)
    catalog = setup(folder / "repo", rows)
    control = folder / "control"
    control.mkdir()
    result = Result()
    # Each writer is a process in a slot; a spare waits, imports done, to replace a killed one.
    slots = iter(range(1_000_000))
    procs = {w: assign(spawn_slot(next(slots), catalog, control), w) for w in range(writers)}
    spare = spawn_slot(next(slots), catalog, control)
    reading = spawn("--reader", catalog, control)
    try:
        wait_for(control / "ready-reader", reading)
        for r in range(rounds):
            ops = plan(r, writers, rng)
            (control / f"round-{r}.json").write_text(json.dumps(ops))
            (control / f"go-{r}").touch()
            if rng.random() < kill_rate:
                victim = rng.randrange(writers)
                # Anywhere in the call, including its start and just after it returns.
                time.sleep(rng.uniform(0, 1.3 * result.typical()))
                procs[victim].proc.send_signal(signal.SIGKILL)
                procs[victim].proc.wait()
                result.kills += 1
                procs[victim] = assign(spare, victim)
                spare = spawn_slot(next(slots), catalog, control)
            for w in procs:
                wait_for(control / f"done-{w}-{r}", procs[w].proc)
            check_round(catalog, control, ops, result)
            result.rounds += 1
    finally:
        (control / "stop").touch()
        for proc in [*(slot.proc for slot in procs.values()), spare.proc, reading]:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    for entry in read_lines(control / "reader.jsonl"):
        if "calls" in entry:
            result.reader_calls = entry["calls"]
        elif entry["kind"] == "lost":
            result.lost.setdefault(f"reader {entry['detail']}", f"reader: {entry['detail']}")
        elif entry["kind"] == "torn":
            result.torn.append(f"reader: {entry['detail']}")
        else:
            result.unreadable.append(f"reader: {entry['detail']}")
    return result


def setup(repo: Path, rows: int) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    catalog = repo / "catalog"
    for relpath, text in CATALOG.items():
        (catalog / relpath).parent.mkdir(parents=True, exist_ok=True)
        (catalog / relpath).write_text(text)
    (catalog / "data").mkdir()
    stamp = pa.array([1735689600_000_000] * rows, pa.timestamp("us", tz="UTC"))
    profile = {
        "user_id": pa.array(range(rows), pa.int64()),
        "event_timestamp": stamp,
        "user_age": pa.array([i % 90 for i in range(rows)], pa.int64()),
        "country": pa.array(["se", "no", "dk"] * (rows // 3) + ["fi"] * (rows % 3)),
    }
    pq.write_table(pa.table(profile), catalog / "data/user_profile.parquet")
    pq.write_table(scratch_table(0), catalog / "data/scratch.parquet")
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "start"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    return catalog


def scratch_table(token: int):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.table(
        {
            "user_id": pa.array(range(SCRATCH_ROWS), pa.int64()),
            "event_timestamp": pa.array([0] * SCRATCH_ROWS, pa.timestamp("us", tz="UTC")),
            "scratch_value": pa.array([token] * SCRATCH_ROWS, pa.int64()),
        }
    )


def plan(r: int, writers: int, rng: random.Random) -> list[dict[str, object]]:
    """One call per writer for round ``r``; every fifth round they all register one name."""
    if r % 5 == 4:
        return [{"op": "register", "name": f"shared_{r}", "contested": True}] * writers
    ops: list[dict[str, object]] = []
    for w in range(writers):
        kind = rng.choice(["append", "append", "replace", "register"])
        if kind == "append":
            ops.append({"op": "append", "uid": 1_000_000 + r * 100 + w})
        elif kind == "replace":
            ops.append({"op": "replace", "token": r * 100 + w + 1})
        else:
            ops.append({"op": "register", "name": f"f_{r}_{w}", "contested": False})
    return ops


def key(op: dict[str, object]) -> str:
    return f"{op['op']}:{op.get('uid', op.get('token', op.get('name')))}"


@dataclass
class Slot:
    """A writer process; it waits for the writer id it is to act as."""

    number: int
    proc: subprocess.Popen[bytes]
    control: Path


def spawn_slot(number: int, catalog: Path, control: Path) -> Slot:
    return Slot(number, spawn("--worker", str(number), catalog, control), control)


def assign(slot: Slot, writer: int) -> Slot:
    (slot.control / f"slot-{slot.number}.tmp").write_text(str(writer))
    (slot.control / f"slot-{slot.number}.tmp").rename(slot.control / f"slot-{slot.number}")
    return slot


def spawn(*args: str | Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **GIT_ENV}
    cmd = [sys.executable, str(Path(__file__).resolve()), *map(str, args)]
    return subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL)


def wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not path.exists():
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode} before {path.name}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"stuck: no {path.name} after {WAIT_SECONDS} s")
        time.sleep(0.005)


def read_lines(path: Path) -> Iterator[dict[str, object]]:
    """The complete JSON lines of ``path``: a killed writer may leave half a line."""
    if not path.exists():
        return
    for line in path.read_text().splitlines(keepends=True):
        if line.endswith("\n"):
            yield json.loads(line)


def record(path: Path, entry: dict[str, object]) -> None:
    with path.open("a") as out:
        out.write(json.dumps(entry) + "\n")
        out.flush()
        os.fsync(out.fileno())


def worker(slot: int, catalog: Path, control: Path) -> None:
    """Make each round's call, then acknowledge it; skip what an earlier life acknowledged."""
    import pandas as pd

    import featurecat

    mine = control / f"slot-{slot}"
    while not mine.exists():
        if (control / "stop").exists():
            return
        time.sleep(0.002)
    me = int(mine.read_text())
    acks = control / f"acks-{me}.jsonl"
    done = {(e["round"], e["key"]) for e in read_lines(acks)}
    r = 0
    while not (control / "stop").exists():
        if not (control / f"go-{r}").exists():
            time.sleep(0.002)
            continue
        op = json.loads((control / f"round-{r}.json").read_text())[me]
        if (r, key(op)) not in done and not (control / f"done-{me}-{r}").exists():
            retry = any(e["key"] == key(op) for e in read_lines(control / f"tried-{me}.jsonl"))
            record(control / f"tried-{me}.jsonl", {"round": r, "key": key(op)})
            entry: dict[str, object] = {"round": r, "key": key(op), **op}
            start = time.perf_counter()
            try:
                call(featurecat, pd, catalog, op)
                entry["ok"] = True
            except featurecat.FeaturecatError as exc:
                entry["ok"] = False
                entry["error"] = str(exc)
                # Refusals that are right: a contested name another writer won, or a retry of
                # a register that went through before the kill.
                entry["expected"] = "already exists" in str(exc) and (
                    bool(op.get("contested")) or retry
                )
            entry["seconds"] = round(time.perf_counter() - start, 3)
            record(acks, entry)
        (control / f"done-{me}-{r}").touch()
        r += 1


def call(featurecat, pd, catalog: Path, op: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    stamp = pd.Timestamp("2025-06-01", tz="UTC")
    if op["op"] == "append":
        uid = int(op["uid"])  # type: ignore[call-overload]
        frame = pd.DataFrame({"user_id": [uid], "event_timestamp": [stamp], "user_age": [uid % 97]})
        featurecat.update_feature("user_age", frame, catalog=catalog, mode="append")
    elif op["op"] == "replace":
        frame = scratch_table(int(op["token"])).to_pandas()  # type: ignore[call-overload]
        featurecat.update_feature("scratch_value", frame, catalog=catalog, mode="replace")
    else:
        name = str(op["name"])
        frame = pd.DataFrame(
            {"user_id": range(50), "event_timestamp": [stamp] * 50, name: [len(name)] * 50}
        )
        featurecat.register_feature(
            name, frame, catalog=catalog, owner="growth", entity="user", description="Stress."
        )


def reader(catalog: Path, control: Path) -> None:
    """Read while the writers write: every answer holds what was acknowledged before it."""
    import featurecat

    out = control / "reader.jsonl"
    (control / "ready-reader").touch()
    calls = 0
    while not (control / "stop").exists():
        acked = {
            int(e["uid"])  # type: ignore[call-overload]
            for path in control.glob("acks-*.jsonl")
            for e in read_lines(path)
            if e["op"] == "append" and e["ok"]
        }
        calls += 2
        try:
            users = set(featurecat.get_feature("user_age", catalog=catalog)["user_id"])
            tokens = set(featurecat.get_feature("scratch_value", catalog=catalog)["scratch_value"])
        except Exception as exc:  # anything at all is a failed read
            record(out, {"kind": "unreadable", "detail": f"{type(exc).__name__}: {exc}"})
            continue
        if not acked <= users:
            record(out, {"kind": "lost", "detail": f"users {sorted(acked - users)[:5]}"})
        if len(tokens) != 1:
            record(out, {"kind": "torn", "detail": f"scratch holds tokens {sorted(tokens)[:5]}"})
    record(out, {"calls": calls})


def check_round(catalog: Path, control: Path, ops: list[dict[str, object]], result: Result) -> None:
    """Everything acknowledged so far is there, whole; nothing is half-done or left over."""
    import featurecat
    from featurecat.validation import validate

    entries = [e for path in sorted(control.glob("acks-*.jsonl")) for e in read_lines(path)]
    this_round = [e for e in entries if e["round"] == result.rounds]
    for e in this_round:
        if e["ok"]:
            result.acknowledged[str(e["op"])] += 1
            result.seconds.append(float(e["seconds"]))  # type: ignore[arg-type]
        elif e.get("expected"):
            result.refused += 1
        else:
            result.failed.append(f"round {e['round']} {e['key']}: {e['error']}")
    where = f"round {result.rounds}"
    try:
        outcome = validate(catalog, check_data=True)
        errors = [str(d) for d in outcome.diagnostics if d.severity == "error"]
        result.unreadable += [f"{where}: validate --check-data: {e}" for e in errors]
        users = set(featurecat.get_feature("user_age", catalog=catalog)["user_id"])
        tokens = set(featurecat.get_feature("scratch_value", catalog=catalog)["scratch_value"])
        cat = featurecat.Catalog.load(catalog)
    except featurecat.FeaturecatError as exc:
        result.unreadable.append(f"{where}: {exc}")
        return
    for e in entries:
        if e["ok"] and e["op"] == "append" and e["uid"] not in users:
            result.lost.setdefault(str(e["key"]), f"{where}: appended user {e['uid']}")
        # A refused retry or a lost contest is right only when the feature is there.
        said_done = e["ok"] or e.get("expected")
        if said_done and e["op"] == "register" and e["name"] not in cat.features:
            result.lost.setdefault(str(e["key"]), f"{where}: registered feature {e['name']}")
    tried = {
        int(str(e["key"]).split(":")[1])
        for path in control.glob("tried-*.jsonl")
        for e in read_lines(path)
        if str(e["key"]).startswith("replace:")
    }
    if len(tokens) != 1 or not tokens <= tried | {0}:
        result.torn.append(f"{where}: scratch holds tokens {sorted(tokens)[:5]}")
    for op in ops:
        if op["op"] == "register":
            name = str(op["name"])
            parts = [
                catalog / f"data/{name}.parquet",
                catalog / f"sources/{name}.yaml",
                catalog / f"features/user/{name}.yaml",
            ]
            there = [p.exists() for p in parts]
            if any(there) and not all(there):
                result.torn.append(f"{where}: register {name} left only {there}")
        if op.get("contested"):
            wins = [e for e in this_round if e["key"] == key(op) and e["ok"]]
            if len(wins) > 1:
                result.lost[key(op)] = f"{where}: {len(wins)} writers all registered {op['name']}"
    repo = catalog.parent  # the journal of an unfinished write lives in .git/featurecat
    for path in repo.rglob("*"):
        hidden = path.name.startswith(".") and path.name.endswith((".tmp", ".bak"))
        if path.is_file() and (hidden or path.name.startswith("journal")):
            shown = path.relative_to(repo).as_posix()
            result.leftover.setdefault(shown, f"{where}: {shown}")


if __name__ == "__main__":
    main()
