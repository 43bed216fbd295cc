"""Incremental portal builds: only changed pages are rendered, and the site is the same, byte for
byte (search index included), as a build from scratch."""

from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

import pytest

from featurecat.catalog import Catalog
from featurecat.history import read_history
from featurecat.portal.build import build_portal, prepare
from featurecat.portal.pages import render_pages
from featurecat.portal.profile import profile_catalog
from featurecat.portal.project import run_mkdocs
from tests.portal.conftest import copy_example
from tests.support import build_tree, cli, commit_all, init_repo

USER_AGE = "features/user/user_age.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example catalog and its site, committed."""
    repo = init_repo(tmp_path / "repo")
    copy_example(repo)
    commit_all(repo, "Add the Acme catalog", date="2025-03-01T09:00:00+00:00")
    return repo


def build(repo: Path, out: Path, *args: str) -> str:
    result = cli("docs", "build", "--catalog", repo / "catalog", "--out", out, *args)
    assert result.exit_code == 0, result.output
    return result.output


def differences(a: Path, b: Path) -> list[str]:
    """Every file that is not the same in both sites (the build's own stamp aside)."""
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    found = []
    for name in sorted(names - {Path(".featurecat-site")}):
        if not ((a / name).is_file() and (b / name).is_file()):
            found.append(f"{name}: only in one")
        elif not filecmp.cmp(a / name, b / name, shallow=False):
            found.append(f"{name}: differs")
    return found


def counts(output: str) -> tuple[int, int]:
    found = re.search(r"\((\d+) rendered, (\d+) reused\)", output)
    assert found is not None, output
    return int(found.group(1)), int(found.group(2))


def test_one_change_renders_its_pages_and_builds_the_same_site(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(repo, out)
    assert counts(first)[1] == 0, "nothing to reuse the first time"
    feature = repo / "catalog" / USER_AGE
    feature.write_text(feature.read_text().replace("whole years", "full years"))
    commit_all(repo, "Reword user_age", date="2025-03-02T09:00:00+00:00")
    rendered, reused = counts(build(repo, out))
    # its own page, and the team, entity, source, tag and model pages that list it
    assert 0 < rendered <= 8 and reused > 40
    assert "full years" in (out / "features/user_age/index.html").read_text()

    shutil.rmtree(repo / "catalog" / ".featurecat")
    clean = tmp_path / "clean"
    assert counts(build(repo, clean)) == (rendered + reused, 0)
    assert differences(out, clean) == []
    assert (out / "search" / "search_index.json").read_bytes() == (
        clean / "search" / "search_index.json"
    ).read_bytes()


def test_a_build_with_nothing_changed_leaves_the_site_alone(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(repo, out)
    before = (out / "index.html").stat().st_ino
    assert "nothing changed since the site" in build(repo, out)
    assert (out / "index.html").stat().st_ino == before
    (out / "features" / "user_age" / "index.html").unlink()
    rendered, reused = counts(build(repo, out))  # a site that lost a file is built again
    assert rendered == 0 and reused > 40
    assert (out / "features" / "user_age" / "index.html").is_file()


def generated(output: str) -> tuple[int, int]:
    """The pages phase's ``N pages generated, M unchanged``: pages made, and read back."""
    found = re.search(r"([\d,]+) pages generated(?:, ([\d,]+) unchanged)?", output)
    assert found is not None, output
    return int(found.group(1).replace(",", "")), int((found.group(2) or "0").replace(",", ""))


def test_pages_of_the_whole_catalog_are_read_back_only_when_nothing_changed(
    repo: Path, tmp_path: Path
) -> None:
    """Home, index, team, source, model... pages see the whole catalog: a build with nothing
    changed reads every page back, and a change that only they show (the project's
    description, on the home page) renders them again, the same as a build from scratch."""
    out = tmp_path / "out"
    build(repo, out)
    made, unchanged = generated(build(repo, out))
    assert unchanged == made
    project = repo / "catalog" / "featurecat.yaml"
    project.write_text(project.read_text().replace("Feature catalog for", "The catalog of"))
    commit_all(repo, "Reword the project", date="2025-03-02T09:00:00+00:00")
    made, unchanged = generated(build(repo, out))
    features = len(list((repo / "catalog" / "features").rglob("*.yaml")))
    assert unchanged == features  # every feature page, and no other
    assert "The catalog of Acme" in (out / "index.html").read_text()
    shutil.rmtree(repo / "catalog" / ".featurecat")
    clean = tmp_path / "clean"
    build(repo, clean)
    assert differences(out, clean) == []


def test_cached_and_parallel_pages_are_what_mkdocs_renders(repo: Path, tmp_path: Path) -> None:
    """The plugin's page machinery (forked workers, then the cache) against plain MkDocs."""
    catalog = Catalog.load(repo / "catalog")
    parallel = build_portal(catalog, tmp_path / "parallel", workers=2)
    assert parallel.warnings == []
    shutil.rmtree(tmp_path / "parallel")
    cached = build_portal(catalog, tmp_path / "cached", workers=2)
    plain = tmp_path / "plain"
    run_mkdocs(prepare(catalog), plain)  # MkDocs renders every page itself, one by one
    assert differences(tmp_path / "cached", plain) == []
    assert cached.seconds["mkdocs"] >= 0


def test_strict_fails_on_a_warning_of_a_reused_page(repo: Path, tmp_path: Path) -> None:
    feature = repo / "catalog" / USER_AGE
    feature.write_text(
        feature.read_text().replace("warehouse.", "warehouse. See [x](missing-page.md).")
    )
    out = tmp_path / "out"
    assert "missing-page.md" in build(repo, out)
    other = repo / "catalog" / "features" / "user" / "user_country.yaml"
    other.write_text(other.read_text().replace("ISO", "the ISO"))
    result = cli("docs", "build", "--catalog", repo / "catalog", "--out", out, "--strict")
    assert result.exit_code == 1, result.output
    assert "catalog/features/user/user_age.yaml: Doc file 'features/user_age/index.md'" in (
        result.output
    )


def _render(root: Path) -> dict[str, str]:
    catalog = Catalog.load(root)
    return render_pages(catalog, read_history(root), profile_catalog(catalog))


class _Memo:
    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}
        self.keys: dict[str, str] = {}
        self.reused = 0

    def get(self, path: str, key: str) -> str | None:
        found = self.pages.get(path)
        if found and found[0] == key:
            self.reused += 1
            return found[1]
        return None

    def put(self, path: str, key: str) -> None:
        self.keys[path] = key

    def key(self, path: str) -> str | None:
        found = self.pages.get(path)
        return found[0] if found else None


# What a feature's page shows of other definitions: each edit below changes some feature pages.
EDITS = {
    "team contact": ("teams/growth.yaml", "growth@acme", "growth-team@acme"),
    "source path": ("sources/user_profile.yaml", "path: ", "path: ./"),
    "entity keys": ("entities/user.yaml", "description: ", "description: The "),
    "model features": ("models/churn_model.yaml", "  - user_country\n", ""),
    "model description": ("models/churn_model.yaml", "description: ", "description: A "),
    "replacement": ("features/payments/orders_30d.yaml", "description: ", "description: All "),
    # Shown on the home page only: no feature page changes, every page of the whole does.
    "project description": ("featurecat.yaml", "Feature catalog for", "The catalog of"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_reused_feature_page_is_the_page_a_render_would_make(
    repo: Path, tmp_path: Path, edit: str
) -> None:
    """Whatever changes, a page the memo hands back equals the page rendered afresh."""
    root = repo / "catalog"
    memo = _Memo()
    catalog = Catalog.load(root)
    before = render_pages(catalog, read_history(root), profile_catalog(catalog), memo=memo)
    memo.pages = {path: (key, before[path]) for path, key in memo.keys.items()}
    path, old, new = EDITS[edit]
    file = next(root.glob(f"**/{Path(path).name}"))
    assert old in file.read_text(), (path, old)
    file.write_text(file.read_text().replace(old, new, 1))
    catalog = Catalog.load(root)
    memo.reused = 0
    after = render_pages(catalog, read_history(root), profile_catalog(catalog), memo=memo)
    fresh = _render(root)
    assert after == fresh
    assert memo.reused > 0, "most feature pages did not change"


def test_with_nothing_changed_every_page_is_handed_back_as_rendered(repo: Path) -> None:
    root = repo / "catalog"
    memo = _Memo()
    catalog = Catalog.load(root)
    before = render_pages(catalog, read_history(root), profile_catalog(catalog), memo=memo)
    memo.pages = {path: (key, before[path]) for path, key in memo.keys.items()}
    catalog = Catalog.load(root)
    after = render_pages(catalog, read_history(root), profile_catalog(catalog), memo=memo)
    assert after == _render(root)
    assert memo.reused == len(memo.keys) == len(after)  # every page, read back


def test_site_folder_changes_rebuild_the_pages_they_touch(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(repo, out)
    build_tree(repo / "site", {"docs/glossary.md": "# Glossary\n\nWords.\n"})
    _, reused = counts(build(repo, out))
    assert reused == 0, "a new page in the navigation changes every page's menu"
    assert 'href="../../glossary/"' in (out / "features/user_age/index.html").read_text()
