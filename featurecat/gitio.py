"""All git access, and the only module that imports GitPython.

* :class:`GitTree` is a catalog as it was at a ref, read straight from git objects: no
  checkout, no temp copy.
* :func:`read_history` gathers every definition's history in one ``git log`` pass.
* :func:`check_new_branch` and :func:`commit_on_new_branch` commit what ``register_feature``
  and ``update_feature`` wrote on a new branch, ready for a pull request.

Repositories are always opened with ``with``, so no ``git cat-file`` process outlives a call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import git
from gitdb.exc import BadName, BadObject

from featurecat.errors import UsageError
from featurecat.names import is_candidate
from featurecat.tree import displayer
from featurecat.yamlio import MAX_FILE_BYTES

EMPTY_BLOB = "0" * 40


@contextmanager
def open_repo(folder: Path) -> Iterator[git.Repo]:
    """The git repository holding ``folder``, closed on exit; a clear error when there is none."""
    try:
        repo = git.Repo(folder, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(
            f"{folder} is not inside a git repository; --ref and diff need the catalog's "
            "git history (run 'git init' and commit, or drop --ref)"
        ) from None
    with repo:
        yield repo


def resolve(repo: git.Repo, ref: str) -> git.Commit:
    """The commit a branch, tag, SHA or ``HEAD~n`` names, or a helpful error."""
    try:
        return repo.commit(ref)
    except (BadName, BadObject, ValueError, git.GitCommandError):
        pass
    if is_shallow(repo):
        raise UsageError(
            f"unknown git ref '{ref}': this is a shallow clone, so older commits are missing; "
            "fetch the full history (in GitHub Actions: actions/checkout with fetch-depth: 0, "
            "or run 'git fetch --unshallow')"
        )
    raise UsageError(
        f"unknown git ref '{ref}'; use a branch, tag or commit that exists "
        "(see 'git branch -a' and 'git log --oneline'), and fetch it first if it is remote"
    )


def is_shallow(repo: git.Repo) -> bool:
    return (Path(repo.git_dir) / "shallow").exists()


def catalog_dir(repo: git.Repo, root: Path) -> str:
    """The catalog folder relative to the repository's top, POSIX style ("" at the top)."""
    top = Path(repo.working_tree_dir or root).resolve()
    return root.resolve().relative_to(top).as_posix().removeprefix(".")


class GitTree:
    """A catalog's definitions as they were at a git ref.

    All definition blobs are read while the repository is open, in one ``cat-file`` session,
    and kept in memory (definitions are small; data files are never read).
    """

    def __init__(self, root: Path, ref: str) -> None:
        self.root = root.resolve()
        self.ref: str | None = ref
        self.display = displayer(root)
        with open_repo(self.root) as repo:
            commit = resolve(repo, ref)
            self.commit: str | None = commit.hexsha
            self.catalog_dir = catalog_dir(repo, self.root)
            self.blobs: dict[str, str] = {}
            self._data: dict[str, bytes] = {}
            try:
                tree = commit.tree / self.catalog_dir if self.catalog_dir else commit.tree
            except KeyError:
                return
            cut = len(self.catalog_dir) + 1 if self.catalog_dir else 0
            for item in tree.traverse():
                if not isinstance(item, git.Blob):
                    continue
                relpath = str(item.path)[cut:]
                if not is_candidate(relpath):
                    continue
                self.blobs[relpath] = item.hexsha
                # An oversized blob is refused by the parser on its length alone; don't read it.
                too_big = item.size > MAX_FILE_BYTES
                self._data[relpath] = (
                    bytes(MAX_FILE_BYTES + 1) if too_big else item.data_stream.read()
                )

    def files(self) -> list[str]:
        return sorted(self._data)

    def read(self, relpath: str) -> bytes:
        return self._data[relpath]

    def escapes_repo(self, relpath: str) -> bool:
        # Symbolic links are resolved in the working tree; at a ref only the lexical rule applies.
        return False


def git_env() -> dict[str, str]:
    """Environment for git subprocesses: no pager, no prompts."""
    return {**os.environ, "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}


def check_new_branch(folder: Path, branch: str, paths: list[Path]) -> None:
    """Refuse, before anything is written, a branch that cannot be created or committed to,
    or a change to ``paths`` that git would not commit (all of them ignored)."""
    with open_repo(folder) as repo:
        try:
            repo.git.check_ref_format("--branch", branch)
        except git.GitCommandError:
            raise UsageError(
                f"'{branch}' is not a valid git branch name; use letters, digits, '-', '_' "
                "and '/' (like features/add-user-age)"
            ) from None
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


def _committable(repo: git.Repo, paths: list[Path]) -> list[str]:
    """``paths`` relative to the repository's top, without those ``.gitignore`` excludes."""
    top = Path(repo.working_tree_dir or ".").resolve()
    relpaths = [p.resolve().relative_to(top).as_posix() for p in paths]
    ignored = set(repo.ignored(*relpaths))
    return [p for p in relpaths if p not in ignored]


def commit_on_new_branch(folder: Path, branch: str, paths: list[Path], message: str) -> str:
    """Switch to a new ``branch`` and commit exactly ``paths`` there; returns the commit SHA.

    Other changes in the working tree or the index are left as they are, uncommitted. Files
    that ``.gitignore`` excludes (data kept out of git) are left out. On failure the
    repository is put back on the branch it was on.
    """
    with open_repo(folder) as repo:
        tracked = _committable(repo, paths)
        previous = repo.head.commit.hexsha if repo.head.is_detached else repo.active_branch.name
        repo.git.checkout("-q", "-b", branch)
        try:
            repo.git.add("--", *tracked)
            repo.git.commit("-q", "-m", message, "--", *tracked)
        except git.GitCommandError as exc:
            repo.git.reset("-q", "--", *tracked)
            repo.git.checkout("-q", previous)
            repo.git.branch("-q", "-D", branch)
            raise UsageError(f"could not commit on branch '{branch}': {_output(exc)}") from None
        return repo.head.commit.hexsha


def _output(exc: git.GitCommandError) -> str:
    """What git said, without GitPython's ``stderr: '...'`` wrapping."""
    text = str(exc.stderr or exc.stdout or exc).strip()
    for label in ("stderr: ", "stdout: "):
        text = text.removeprefix(label)
    return text.strip("'").strip()
