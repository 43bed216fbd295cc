"""All git access, and the only module that imports GitPython.

* :func:`head_state` asks what the working tree is at (the commit, whether it has changes);
  it runs ``git`` directly, and is all that loading feature values needs of git, so
  ``load_features`` never imports GitPython: this module imports it on first use.
* :class:`GitTree` is a catalog as it was at a ref, read straight from git objects: no
  checkout, no temp copy.
* :func:`read_blobs` reads any number of blobs with one ``git cat-file --batch`` process;
  :func:`log_catalog` lists every change to a catalog's files in one ``git log`` pass;
  :func:`data_at` reads a source's data files as they were at a ref (for drift).
* :func:`check_new_branch` and :func:`commit_on_new_branch` commit what ``register_feature``
  and ``update_feature`` wrote on a new branch, ready for a pull request;
  :func:`settle_new_branch` cleans up after such a write was killed.

Every git call is a short-lived process, and repositories are opened with ``with``, so no
``git cat-file`` process outlives a call.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from featurecat.errors import CatalogNotFound, UsageError
from featurecat.names import is_candidate
from featurecat.tree import catalog_dir, displayer, in_git
from featurecat.yamlio import MAX_FILE_BYTES

if TYPE_CHECKING:
    import git


def git_env() -> dict[str, str]:
    """Environment for git processes: no pager, no prompts, and no index refresh that
    would take git's lock from a git command the user is running."""
    return {**os.environ, "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


def head_state(folder: Path) -> tuple[str | None, bool | None]:
    """The commit checked out where ``folder`` is, and whether ``folder`` has changes.

    ``(None, None)`` outside a git repository (or without git); the commit is ``None`` before
    the first commit. Untracked files count as changes: new data not committed yet. Two
    quick ``git`` processes, cheap enough for every feature load.
    """
    if not in_git(folder.resolve()):
        return None, None
    env = git_env()
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            env=env,
        )
    except OSError:  # no git on this machine
        return None, None
    commit = head.stdout.strip() if head.returncode == 0 else None
    return commit or None, bool(status.stdout.strip()) if status.returncode == 0 else None


@contextmanager
def open_repo(folder: Path) -> Iterator[git.Repo]:
    """The git repository holding ``folder``, closed on exit; a clear error when there is none."""
    import git

    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CatalogNotFound(
            f"{folder} is not inside a git repository; --ref and diff need the catalog's "
            "git history (run 'git init' and commit, or drop --ref)"
        ) from None
    with repo:
        yield repo


def resolve(repo: git.Repo, ref: str) -> git.Commit:
    """The commit a branch, tag, SHA or ``HEAD~n`` names, or a helpful error."""
    import git

    if not ref or ref.startswith("-") or "\x00" in ref:  # git's arguments cannot hold a NUL
        shown = ref.replace("\x00", "\\x00")
        raise CatalogNotFound(f"'{shown}' is not a git ref; name a branch, tag or commit")
    try:
        sha = repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except git.GitCommandError:
        sha = ""
    if sha:
        return git.Commit(repo, bytes.fromhex(sha))
    if not repo.head.is_valid():
        raise CatalogNotFound(
            f"unknown git ref '{ref}': this repository has no commits yet; "
            "commit the catalog first (git add, git commit)"
        )
    if is_shallow(repo):
        raise CatalogNotFound(
            f"unknown git ref '{ref}': this is a shallow clone, so older commits are missing; "
            "fetch the full history (in GitHub Actions: actions/checkout with fetch-depth: 0, "
            "or run 'git fetch --unshallow')"
        )
    raise CatalogNotFound(
        f"unknown git ref '{ref}'; use a branch, tag or commit that exists "
        "(see 'git branch -a' and 'git log --oneline'), and fetch it first if it is remote"
    )


def work_tree(repo: git.Repo, folder: Path) -> Path:
    """The top of ``repo``'s work tree (``folder`` for a bare repository)."""
    return Path(repo.working_tree_dir or folder)


def is_shallow(repo: git.Repo) -> bool:
    return (Path(repo.git_dir) / "shallow").exists()


def read_blobs(git_dir: str, shas: Collection[str], limit: int | None = None) -> dict[str, bytes]:
    """The content of each blob, read by one ``git cat-file --batch`` process.

    With ``limit``, a blob longer than that keeps only its first ``limit + 1`` bytes: enough
    for a size check, without holding a huge file in memory twice.
    """
    if not shas:
        return {}
    order = list(dict.fromkeys(shas))
    done = subprocess.run(
        ["git", "--git-dir", git_dir, "cat-file", "--batch"],
        input="".join(f"{sha}\n" for sha in order).encode(),
        capture_output=True,
        check=True,
        env=git_env(),
    )
    out = done.stdout
    found: dict[str, bytes] = {}
    pos = 0
    for sha in order:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3:  # "<sha> missing": the object is not in this repository
            continue
        size = int(header[2])
        keep = size if limit is None else min(size, limit + 1)
        found[sha] = out[pos : pos + keep]
        pos += size + 1
    return found


def data_at(folder: Path, ref: str, pattern: str) -> dict[str, bytes]:
    """The files committed at ``ref`` that ``pattern`` names, relative to ``folder`` (a path,
    or a glob in its last part as sources write them): relative path -> content. Empty when
    ``folder`` is not in git, or nothing matched then."""
    import fnmatch
    import posixpath

    import git

    if not in_git(folder.resolve()):
        return {}
    parent, name = posixpath.split(posixpath.normpath(pattern))
    with open_repo(folder.resolve()) as repo:
        commit = resolve(repo, ref).hexsha
        prefix = posixpath.join(catalog_dir(folder.resolve(), work_tree(repo, folder)), parent)
        try:
            listing = repo.git.ls_tree("-z", f"{commit}:{prefix.strip('/') or '.'}")
        except git.GitCommandError:  # the folder did not exist then
            return {}
        found = {}
        for entry in filter(None, listing.split("\0")):
            meta, _, file = entry.partition("\t")
            _mode, kind, sha = meta.split()
            if kind == "blob" and fnmatch.fnmatchcase(file, name):
                found[posixpath.join(parent, file)] = sha
        blobs = read_blobs(str(repo.git_dir), found.values())
    return {path: blobs[sha] for path, sha in sorted(found.items()) if sha in blobs}


class CatalogLog(NamedTuple):
    """What :func:`log_catalog` read, with what reading it further needs."""

    output: bytes
    """``git log --format=%H --raw -z -M --no-abbrev`` over the catalog folder."""
    prefix: str
    """The catalog folder relative to the repository's top (``""`` at the top)."""
    git_dir: str
    """The repository's git folder, for :func:`read_blobs`."""


def log_catalog(root: Path, ref: str) -> CatalogLog | None:
    """Every commit up to ``ref`` that changed a file of the catalog at ``root``, with the
    files it changed and their blob ids, from one ``git log`` process; ``None`` when the
    catalog is not in git or the repository has no commits yet."""
    if not in_git(root):
        return None
    with open_repo(root) as repo:
        if not repo.head.is_valid():
            return None
        commit = resolve(repo, ref).hexsha
        prefix = catalog_dir(root, work_tree(repo, root))
        output = repo.git.log(
            commit,
            "--format=%H",
            "--raw",
            "-z",
            "-M",
            "--no-abbrev",
            "--",
            f":(literal){prefix or '.'}",
            stdout_as_string=False,
            strip_newline_in_stdout=False,
        )
        return CatalogLog(output, prefix, str(repo.git_dir))


class GitTree:
    """A catalog's definitions as they were at a git ref.

    Listing the files costs one ``git ls-tree``; their bytes are read only when asked for,
    in one ``cat-file`` batch, so a caller holding parse results for some blob ids (see
    :class:`featurecat.load.ParseCache`) never reads those blobs at all.
    """

    def __init__(self, root: Path, ref: str) -> None:
        import git

        self.root = root.resolve()
        self.ref: str | None = ref
        self.display = displayer(root)
        with open_repo(self.root) as repo:
            self.commit: str | None = resolve(repo, ref).hexsha
            self.catalog_dir = catalog_dir(self.root, work_tree(repo, self.root))
            self._git_dir = str(repo.git_dir)
            try:
                listing = repo.git.ls_tree("-r", "-z", f"{self.commit}:{self.catalog_dir}")
            except git.GitCommandError:  # the catalog folder did not exist at that commit
                listing = ""
        self.blobs: dict[str, str] = {}
        """Catalog-relative path -> blob id, for every definition file at the ref."""
        for entry in filter(None, listing.split("\0")):
            meta, _, relpath = entry.partition("\t")
            _mode, kind, sha = meta.split()
            if kind == "blob" and is_candidate(relpath):
                self.blobs[relpath] = sha

    def files(self) -> list[str]:
        return sorted(self.blobs)

    def blob_id(self, relpath: str) -> str | None:
        return self.blobs.get(relpath)

    def read(self, relpath: str) -> bytes:
        return self.read_many([relpath])[relpath]

    def read_many(self, relpaths: Collection[str]) -> dict[str, bytes]:
        data = read_blobs(self._git_dir, [self.blobs[p] for p in relpaths], MAX_FILE_BYTES)
        return {p: data[self.blobs[p]] for p in relpaths}

    def escapes_repo(self, relpath: str) -> bool:
        # Symbolic links are resolved in the working tree; at a ref only the lexical rule applies.
        return False


class BranchStart(NamedTuple):
    """Where a write on a new branch starts: the branch's name, the branch (or, detached, the
    commit) the working copy is on, and that commit."""

    name: str
    previous: str
    base: str


def check_new_branch(folder: Path, branch: str, paths: list[Path]) -> BranchStart:
    """Refuse, before anything is written, a branch that cannot be created or committed to,
    or a change to ``paths`` that git would not commit (all of them ignored)."""
    import git

    with open_repo(folder) as repo:
        _check_branch_name(repo, branch)
        if not repo.head.is_valid():
            raise UsageError(
                "the repository has no commit yet; commit once, then write with branch="
            )
        if branch in repo.heads:
            raise UsageError(
                f"git branch '{branch}' already exists; pick a new name (the change is "
                "committed on a new branch, ready for a pull request)"
            )
        try:
            repo.git.var("GIT_COMMITTER_IDENT")
        except git.GitCommandError:
            raise UsageError(
                "git does not know who you are, so it cannot commit; set user.name and "
                "user.email (git config --global user.email you@example.com)"
            ) from None
        if not _committable(repo, paths):
            raise UsageError(
                f"git ignores every file this change writes ({', '.join(p.name for p in paths)}), "
                "so there is nothing to commit on a branch; drop branch= or stop ignoring them"
            )
        previous = repo.head.commit.hexsha if repo.head.is_detached else repo.active_branch.name
        return BranchStart(branch, previous, repo.head.commit.hexsha)


def _check_branch_name(repo: git.Repo, branch: str) -> None:
    """git's own rules (``check-ref-format --branch``), and no name that git would read as
    something else: ``@`` is HEAD, and ``refs/heads/x`` would become ``refs/heads/refs/heads/x``."""
    import git

    if branch.startswith("refs/"):
        short = branch.removeprefix("refs/heads/") if branch.startswith("refs/heads/") else ""
        raise UsageError(
            f"'{branch}' is a full ref name, not a branch name; git would create "
            f"refs/heads/{branch}. Pass the branch name alone"
            + (f" (like '{short}')" if short and not short.startswith("refs/") else "")
        )
    try:
        # It prints the branch name it understood: '@{-1}' expands to another branch.
        understood = repo.git.check_ref_format("--branch", branch)
    except git.GitCommandError:
        understood = None
    if understood != branch or branch == "@":
        raise UsageError(
            f"'{branch}' is not a valid git branch name; use letters, digits, '-', '_' "
            "and '/' (like features/add-user-age)"
        )


def _committable(repo: git.Repo, paths: list[Path]) -> list[str]:
    """``paths`` relative to the repository's top, without those ``.gitignore`` excludes."""
    top = Path(repo.working_tree_dir or ".").resolve()
    relpaths = [p.resolve().relative_to(top).as_posix() for p in paths]
    ignored = set(repo.ignored(*relpaths))
    return [p for p in relpaths if p not in ignored]


def commit_on_new_branch(folder: Path, branch: str, paths: list[Path], message: str) -> str:
    """Switch to a new ``branch`` and commit exactly ``paths`` there; returns the commit SHA.

    The working copy stays on the new branch, as after ``git switch -c``; other changes in the
    working tree or the index are left as they are, uncommitted (they come along). Files that
    ``.gitignore`` excludes (data kept out of git) are left out. On failure the repository is
    put back on the branch it was on, and the new branch is deleted.
    """
    import git

    with open_repo(folder) as repo:
        tracked = _committable(repo, paths)
        previous = repo.head.commit.hexsha if repo.head.is_detached else repo.active_branch.name
        repo.git.checkout("-q", "-b", branch)
        try:
            repo.git.add("--", *tracked)
            repo.git.commit("-q", "-m", message, "--", *tracked)
        except git.GitCommandError as exc:
            _abandon(repo, branch, previous, tracked)
            raise UsageError(f"could not commit on branch '{branch}': {_output(exc)}") from None
        return repo.head.commit.hexsha


def settle_new_branch(folder: Path, start: BranchStart, paths: list[Path]) -> bool:
    """After a write on a new branch stopped part-way (a crash): whether its commit was made.

    When it was not, what creating the branch changed is undone: the files are unstaged, the
    working copy is back on ``start.previous`` and the branch is deleted.
    """
    with open_repo(folder) as repo:
        if start.name not in repo.heads:
            return False
        if repo.heads[start.name].commit.hexsha != start.base:
            return True
        _abandon(repo, start.name, start.previous, _committable(repo, paths))
        return False


def _abandon(repo: git.Repo, branch: str, previous: str, tracked: list[str]) -> None:
    on_branch = not repo.head.is_detached and repo.active_branch.name == branch
    if on_branch:
        repo.git.reset("-q", "--", *tracked)
        repo.git.checkout("-q", previous)
    repo.git.branch("-q", "-D", branch)


def _output(exc: git.GitCommandError) -> str:
    """What git said, without GitPython's ``stderr: '...'`` wrapping."""
    text = str(exc.stderr or exc.stdout or exc).strip()
    for label in ("stderr: ", "stdout: "):
        text = text.removeprefix(label)
    return text.strip("'").strip()
