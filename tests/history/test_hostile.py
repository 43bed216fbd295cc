"""History read from commits whose content tries to break the reading: every control
character in subjects, bodies, authors and paths, and commit objects git itself would
refuse to write (NUL bytes, broken dates, odd encodings). Nothing may crash, and what was
committed is read back as git shows it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from featurecat.history import read_history
from featurecat.names import Kind
from tests.support import cli, commit_all, git, init_repo, make_catalog

#: Every character git lets a commit hold except NUL: 0x01-0x1f and 0x7f.
CONTROLS = "".join(chr(c) for c in [*range(1, 32), 127])
#: A file name can hold them too, all but '/'.
WEIRD_STEM = "odd" + CONTROLS
AGE = "catalog/features/user/user_age.yaml"


def git_shows(repo: Path, sha: str) -> list[str]:
    """Author, email, ISO date and subject as git's own formatter prints them (the oracle).

    NUL-separated, which content made with ``git commit`` cannot hold."""
    done = subprocess.run(
        ["git", "show", "-s", "--format=%an%x00%ae%x00%aI%x00%s", sha],
        cwd=repo,
        check=True,
        capture_output=True,
    )
    return done.stdout.decode().rstrip("\n").split("\0")


def commit_verbatim(repo: Path, message: str, author: str, email: str) -> str:
    """``git commit`` keeping the message exactly as given (no whitespace clean-up)."""
    git(repo, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email}
    subprocess.run(
        ["git", "commit", "-q", "--cleanup=verbatim", "-m", message],
        cwd=repo,
        check=True,
        capture_output=True,
        env=env,
    )
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A valid catalog whose latest commits are full of control characters."""
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog")
    commit_all(repo, "Add the catalog")
    age = repo / AGE
    age.write_text(age.read_text().replace("int64", "float64"))
    weird = repo / f"catalog/features/user/{WEIRD_STEM}.yaml"
    weird.write_text("name: odd\n")
    message = f"Sub{CONTROLS[::-1]}ject\n\nBody{CONTROLS}\nmore{CONTROLS}\n"
    commit_verbatim(repo, message, f"Ann{CONTROLS}Author", f"ann{CONTROLS}@example.com")
    weird.unlink()  # so the catalog is valid again, with the odd file only in history
    commit_verbatim(repo, f"Drop it{CONTROLS}\n", "Rec\x1eord\x1fUnit", "x\x1e@y\x1fz")
    return repo


def test_every_control_character_is_read_as_git_shows_it(repo: Path) -> None:
    history = read_history(repo / "catalog")

    widen = history.of(Kind.FEATURE, "user_age")[0]
    author, email, date, subject = git_shows(repo, widen.commit)
    assert (widen.author, widen.email, widen.message) == (author, email, subject)
    assert widen.date.isoformat() == date
    assert widen.fields == ("dtype",)
    # git keeps every control character but the newline in an author and in a subject
    # line (the subject's lines are joined by one space, as git joins them).
    assert set(CONTROLS) - set(widen.author) == {"\n"}
    assert set(CONTROLS) - set(widen.message) == {"\n"}
    odd = history.of(Kind.FEATURE, WEIRD_STEM)
    assert [(c.action, c.path) for c in odd] == [
        ("removed", f"features/user/{WEIRD_STEM}.yaml"),
        ("added", f"features/user/{WEIRD_STEM}.yaml"),
    ]
    assert odd[0].author == "Rec\x1eord\x1fUnit"
    assert odd[0].email == "x\x1e@y\x1fz"
    assert odd[0].message == git_shows(repo, odd[0].commit)[3]


def test_log_reads_them_in_text_and_json(repo: Path) -> None:
    text = cli("log", cwd=repo)
    assert text.exit_code == 0, text.output
    assert "Traceback" not in text.output
    entries = json.loads(cli("log", "--format", "json", cwd=repo).stdout)
    odd = next(e for e in entries if e["name"] == WEIRD_STEM)
    assert odd["author"] == "Rec\x1eord\x1fUnit"
    assert odd["path"] == f"features/user/{WEIRD_STEM}.yaml"
    named = json.loads(cli("log", "user_age", "--format", "json", cwd=repo).stdout)
    assert named[0]["author"] == git_shows(repo, named[0]["commit"])[0]


def test_docs_build_shows_the_history(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = cli("docs", "build", "--catalog", repo / "catalog", "--out", out)
    assert result.exit_code == 0, result.output
    widen = git(repo, "rev-parse", "--short=8", "HEAD~1")
    page = next(out.glob("features/**/user_age/index.html")).read_text(encoding="utf-8")
    assert widen in page
    assert "Body" not in page  # the subject is shown, never the body
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "(removed)" in home  # the feature whose file name holds the control characters


# --- commit objects that only `git hash-object --literally` writes -----------------------


def forge(repo: Path, header: bytes, message: bytes) -> str:
    """A commit on top of HEAD that changes user_age's dtype, with raw author/message bytes."""
    age = repo / AGE
    text = age.read_text()
    dtype = "int32" if "dtype: int64" in text else "int64"
    age.write_text(re.sub(r"dtype: \w+", f"dtype: {dtype}", text))
    git(repo, "add", "-A")
    tree = git(repo, "write-tree")
    parent = git(repo, "rev-parse", "HEAD")
    body = b"tree %s\nparent %s\n%s\n\n%s" % (tree.encode(), parent.encode(), header, message)
    done = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
        cwd=repo,
        input=body,
        check=True,
        capture_output=True,
    )
    sha = done.stdout.decode().strip()
    git(repo, "update-ref", "HEAD", sha)
    return sha


#: git shows a date it cannot read as the epoch.
EPOCH = "1970-01-01T00:00:00+00:00"
# Later than the fixture's commits, so git log lists it first.
COMMITTER = b"committer C <c@example.com> 4000000000 +0000"


@pytest.mark.parametrize(
    ("header", "message", "expected"),
    [
        (
            b"author Ev\0il <e\0v@x> 1700000000 +0100",
            b"Sub\0ject\n\nbody\0",
            ("Ev\0il", "e\0v@x", "2023-11-14T23:13:20+01:00", "Sub\0ject"),
        ),
        (
            b"author no email at all",
            b"hi",
            ("no email at all", "", EPOCH, "hi"),
        ),
        (
            b"author A <a@x> 99999999999999999999 +9999",
            b"\n\n  \nfirst\nsecond  \n\nbody",
            ("A", "a@x", EPOCH, "first second"),
        ),
        (b"author A <a@x> 12 +0130x", b"", ("A", "a@x", EPOCH, "")),
        (b"author A <a@x> soon +0000", b"x", ("A", "a@x", EPOCH, "x")),
        (b"author A <a@x", b"x", ("A", "a@x", EPOCH, "x")),
        (
            b"author Ren\xe9 <r@x> 1700000000 -0500\nencoding ISO-8859-1",
            b"Caf\xe9",
            ("Ren\xe9", "r@x", "2023-11-14T17:13:20-05:00", "Caf\xe9"),
        ),
        (
            b"author \xff\xfe <r@x> 0 +0000\nencoding base64",
            b"\xff ok",
            ("\ufffd\ufffd", "r@x", EPOCH, "\ufffd ok"),
        ),
        (b"author I <i@x> 0 +0000\nencoding idna", b"a." * 40, ("I", "i@x", EPOCH, "a." * 40)),
        (
            b"author U <u@x> 0 +0000\nencoding unicode_escape",
            b"\\x41",
            ("U", "u@x", EPOCH, "\\x41"),
        ),
        (b"author N <n@x> 0 +0000\nencoding \xff", b"x", ("N", "n@x", EPOCH, "x")),
    ],
)
def test_commits_git_would_refuse_are_read_without_crashing(
    repo: Path, header: bytes, message: bytes, expected: tuple[str, str, str, str]
) -> None:
    sha = forge(repo, header + b"\n" + COMMITTER, message)
    latest = read_history(repo / "catalog").of(Kind.FEATURE, "user_age")[0]
    author, email, date, subject = expected
    assert latest.commit == sha
    assert (latest.author, latest.email, latest.message) == (author, email, subject)
    assert latest.date.isoformat() == date
    assert cli("log", "user_age", cwd=repo).exit_code == 0


# --- fuzzing: any bytes in a commit's author, message, encoding and paths -----------------

names = st.binary(max_size=24).filter(lambda b: b"\n" not in b)


@pytest.fixture(scope="module")
def fuzz_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = init_repo(tmp_path_factory.mktemp("fuzz") / "repo")
    make_catalog(repo / "catalog")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": "A"}
    env |= {"GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x"}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, check=True, env=env)
    return repo


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    author=names,
    date=st.sampled_from([b"1700000000 +0000", b"-1 +0000", b"1 -2400", b"", b"x y z"]),
    encoding=st.sampled_from([None, b"UTF-8", b"latin1", b"shift_jis", b"rot13", b"nope"]) | names,
    message=st.binary(max_size=60),
    stem=st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\0" not in b),
)
def test_any_bytes_in_a_commit_only_become_text(
    fuzz_repo: Path, author: bytes, date: bytes, encoding: bytes | None, message: bytes, stem: bytes
) -> None:
    folder = fuzz_repo / "catalog" / "features" / "user"
    stem = b"z" + stem  # never one of the catalog's own files
    path = os.fsdecode(bytes(folder) + b"/" + stem + b".yaml")
    with open(path, "w") as handle:
        handle.write("name: x\n")
    header = b"author " + author + b" <e> " + date
    if encoding is not None:
        header += b"\nencoding " + encoding
    sha = forge(fuzz_repo, header + b"\n" + COMMITTER, message)
    history = read_history(fuzz_repo / "catalog")
    latest = [c for changes in history.changes.values() for c in changes if c.commit == sha]
    assert {c.path for c in latest} == {
        "features/user/user_age.yaml",
        "features/user/" + stem.decode("utf-8", "replace") + ".yaml",
    }
    for change in latest:
        assert isinstance(change.author, str) and isinstance(change.message, str)
        assert "\n" not in change.message
    result = cli("log", "--limit", "3", cwd=fuzz_repo)
    assert result.exit_code == 0
    os.unlink(path)
    git(fuzz_repo, "add", "-A")
    git(fuzz_repo, "commit", "-qm", "clean up")
