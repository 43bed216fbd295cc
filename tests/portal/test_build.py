"""``featurecat docs build`` through the front door: output folder, rebuilds, strict, site/."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from tests.portal.hostile import visible_text
from tests.support import build_tree, cli, commit_all, init_repo, make_catalog, run

BROKEN_LINK = (
    "name: user_age\ndescription: See [the notes](missing-page.md).\nowner: growth\n"
    "source: user_profile\ndtype: int64\n"
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed base catalog (no data) with a site folder."""
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog", {"featurecat.yaml": "name: test\nsite: ../site\n"})
    build_tree(repo / "site", {"mkdocs.yml": "site_name: Test portal\n"})
    commit_all(repo, "Add the catalog")
    return repo


def build(repo: Path, *args: str | Path) -> tuple[int, str]:
    result = cli("docs", "build", "--catalog", repo / "catalog", *args)
    return result.exit_code, result.output


def test_builds_with_package_defaults(tmp_path: Path) -> None:
    assert cli("init", tmp_path / "starter").exit_code == 0
    out = tmp_path / "out"
    result = cli("docs", "build", "--catalog", tmp_path / "starter", "--out", out)
    assert result.exit_code == 0, result.output
    assert "2 features, 1 source, 1 model" in result.output  # not "1 sources"
    page = (out / "features" / "user_age" / "index.html").read_text()
    assert ": 1 row<" in page and " 1 rows" not in page  # the histogram's exact tooltips
    assert "Contribute a feature" in visible_text((out / "contributing" / "index.html").read_text())


def test_default_output_is_site_folder_in_current_directory(repo: Path) -> None:
    result = cli("docs", "build", cwd=repo)
    assert result.exit_code == 0, result.output
    assert (repo / "_site" / "features" / "user_age" / "index.html").is_file()
    assert "Test portal" in (repo / "_site" / "index.html").read_text()


def test_rebuild_rewrites_only_changed_files(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(repo, "--out", out)[0] == 0
    docs = repo / "catalog" / ".featurecat" / "portal" / "docs"
    country = docs / "features" / "user_country" / "index.md"
    before = country.stat().st_mtime_ns
    code, output = build(repo, "--out", out)
    assert code == 0 and "0 files changed, 0 removed" in output
    feature = repo / "catalog" / "features" / "user" / "user_age.yaml"
    feature.write_text(feature.read_text().replace("in years", "in whole years"))
    code, output = build(repo, "--out", out)
    written = re.search(r"(\d+) files changed, 0 removed", output)
    assert code == 0 and written is not None
    # the feature's page, the tables that show its summary (all, team, entity, source, tag,
    # model pages) and the feature data that long tables page through; nothing else
    assert int(written.group(1)) == 8
    assert "in whole years" in (docs / "features" / "user_age" / "index.md").read_text()
    assert country.stat().st_mtime_ns == before
    assert "in whole years" in (out / "features" / "user_age" / "index.html").read_text()


def test_removed_feature_pages_are_removed(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(repo, "--out", out)[0] == 0
    build_tree(
        repo / "catalog",
        {
            "features/user/user_country.yaml": None,
            "models/churn_model.yaml": "name: churn_model\nowner: risk\nfeatures: [user_age]\n",
        },
    )
    code, output = build(repo, "--out", out)
    assert code == 0 and "1 removed" in output
    assert not (out / "features" / "user_country").exists()
    docs = repo / "catalog" / ".featurecat" / "portal" / "docs"
    assert not (docs / "features" / "user_country").exists()  # its emptied folder too
    assert (docs / "features" / "user_age" / "index.md").is_file()


def test_strict_fails_on_broken_links_and_keeps_the_previous_site(
    repo: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert build(repo, "--out", out, "--strict")[0] == 0
    build_tree(repo / "catalog", {"features/user/user_age.yaml": BROKEN_LINK})
    code, output = build(repo, "--out", out, "--strict")
    assert code == 1
    assert "catalog/features/user/user_age.yaml: Doc file 'features/user_age/index.md'" in output
    assert "missing-page.md" in output
    assert "Age of the user in years" in (out / "features" / "user_age" / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"], "no temp folder left"
    code, output = build(repo, "--out", out)
    assert code == 0 and "warning: " in output and "missing-page.md" in output


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("catalog", "would replace"),
        (".", "would replace"),
        ("site", "would replace"),
        ("catalog/html", "is inside"),
        ("site/html", "is inside"),
    ],
)
def test_refuses_outputs_that_would_destroy_something(repo: Path, out: str, message: str) -> None:
    result = cli("docs", "build", "--out", out, cwd=repo)
    assert result.exit_code == 2
    assert message in result.output
    assert (repo / "catalog" / "featurecat.yaml").is_file()


def test_output_folder_is_readable_by_a_web_server(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(repo, "--out", out)[0] == 0
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask, "a new folder gets the umask"
    out.chmod(0o750)
    assert build(repo, "--out", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o750, "a rebuild keeps the folder's mode"


def test_removes_folders_left_by_killed_builds(repo: Path, tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    killed = build_tree(tmp_path / ".out.building-k1ll3d", {"index.html": "half a site"})
    running = build_tree(tmp_path / ".out.building-running", {"index.html": "in progress"})
    other = build_tree(tmp_path / ".other.building-k1ll3d", {"index.html": "not ours"})
    fd = os.open(running, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running build holds its folder
        assert build(repo, "--out", tmp_path / "out")[0] == 0
    finally:
        os.close(fd)
    assert not killed.exists()
    assert running.is_dir() and other.is_dir()
    assert sorted(p.name for p in tmp_path.glob(".out.*")) == [".out.building-running"]


def test_refuses_to_replace_a_folder_it_did_not_build(repo: Path, tmp_path: Path) -> None:
    precious = build_tree(tmp_path / "precious", {"notes.txt": "keep me"})
    code, output = build(repo, "--out", precious)
    assert code == 2 and "not a portal built by featurecat" in output
    assert (precious / "notes.txt").read_text() == "keep me"


def test_site_config_cannot_run_code(repo: Path, tmp_path: Path) -> None:
    build_tree(repo / "site", {"mkdocs.yml": "site_name: x\nhooks:\n  - evil.py\n"})
    code, output = build(repo, "--out", tmp_path / "out")
    assert code == 1
    assert "site/mkdocs.yml:2: error: 'hooks' cannot be set here" in output
    assert not (tmp_path / "out").exists()


def _escape_to_shell(command: str) -> str:
    """A template that runs ``command`` if MkDocs renders it outside a sandbox."""
    return (
        "{{ config.__class__.__init__.__globals__['__builtins__']['__import__']('os')"
        f".popen('{command}').read() }}}}\n"
    )


# copyright.html is rendered on every page; the search plugin renders language.html while
# it reads its configuration, before any page.
@pytest.mark.parametrize("template", ["partials/copyright.html", "partials/language.html"])
def test_theme_overrides_cannot_run_code(repo: Path, tmp_path: Path, template: str) -> None:
    ran = tmp_path / "ran"
    build_tree(repo / "site", {f"overrides/{template}": _escape_to_shell(f"touch {ran}")})
    code, output = build(repo, "--out", tmp_path / "out")
    assert code == 1
    assert f"site/overrides/{template}: this theme template failed: access to attribute" in output
    assert "cannot reach Python" in output
    assert not ran.exists()
    assert not (tmp_path / "out").exists()


def test_theme_overrides_still_work(repo: Path, tmp_path: Path) -> None:
    build_tree(
        repo / "site",
        {"overrides/partials/copyright.html": "<p>Made by {{ config.site_name | upper }}</p>\n"},
    )
    out = tmp_path / "out"
    code, output = build(repo, "--out", out)
    assert code == 0, output
    assert "<p>Made by TEST PORTAL</p>" in (out / "index.html").read_text()


def test_site_docs_add_pages_and_replace_contributing(repo: Path, tmp_path: Path) -> None:
    build_tree(
        repo / "site",
        {
            "docs/contributing.md": "# How we work\n\nAsk in #features.\n",
            "docs/glossary.md": "# Glossary\n\n```mermaid\nflowchart LR\n  a --> b\n```\n",
        },
    )
    out = tmp_path / "out"
    code, output = build(repo, "--out", out, "--strict")
    assert code == 0, output
    assert "Ask in #features." in (out / "contributing" / "index.html").read_text()
    home = (out / "index.html").read_text()
    assert 'href="glossary/"' in home, "a hand-written top-level page joins the navigation"
    assert "assets/featurecat/mermaid.min.js" in (out / "glossary" / "index.html").read_text()


def test_site_docs_cannot_replace_generated_pages(repo: Path, tmp_path: Path) -> None:
    build_tree(repo / "site", {"docs/features/user_age/index.md": "# mine\n"})
    code, output = build(repo, "--out", tmp_path / "out")
    assert code == 2 and "belongs to the generated portal" in output


def test_unreadable_data_gives_a_note_not_a_failure(repo: Path, tmp_path: Path) -> None:
    build_tree(repo / "catalog", {"data/user_profile.parquet": b"not parquet"})
    code, output = build(repo, "--out", tmp_path / "out")
    assert code == 0
    assert "note: no data profile for source user_profile: could not read" in output


def test_real_process_prints_progress(repo: Path, tmp_path: Path) -> None:
    done = run("docs", "build", "--out", tmp_path / "out", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "  mkdocs " in done.stdout and "pages built into" in done.stdout
    assert done.stderr == ""


def test_missing_site_folder_falls_back_to_the_default_look(repo: Path, tmp_path: Path) -> None:
    build_tree(repo / "site", {"mkdocs.yml": None})
    (repo / "site").rmdir()
    code, output = build(repo, "--out", tmp_path / "out")
    assert code == 0
    assert (
        "featurecat.yaml:2: site folder '../site' does not exist; building with the default"
        in output
    )
    assert (tmp_path / "out" / "contributing" / "index.html").is_file()


def test_history_says_what_changed(repo: Path, tmp_path: Path) -> None:
    feature = repo / "catalog" / "features" / "user" / "user_age.yaml"
    feature.write_text(feature.read_text().replace("[demographics]", "[demographics, age]"))
    commit_all(repo, "Tag user_age with age", date="2025-05-02T10:00:00+00:00")
    assert build(repo, "--out", tmp_path / "out")[0] == 0
    page = (tmp_path / "out" / "features" / "user_age" / "index.html").read_text()
    shown = visible_text(page)
    assert "2025-05-02" in shown
    assert "modified: tags [demographics] -> [demographics, age]" in shown
    assert "Tag user_age with age" in shown


def test_messages_name_folders_below_here_relatively_and_others_whole(
    repo: Path, tmp_path: Path
) -> None:
    """Files of the catalog read from a sibling folder are named with ../ (as validate names
    them), but the output folder, when it is not below the current folder, is named whole."""
    elsewhere = tmp_path / "elsewhere"
    here = repo / "work"
    here.mkdir()
    result = cli("docs", "build", "--catalog", "../catalog", "--out", elsewhere, cwd=here)
    assert result.exit_code == 0, result.output
    assert f"Portal built in {elsewhere.resolve()} (" in result.output
    assert f"removed, in {(repo / 'catalog' / '.featurecat' / 'portal').resolve()} " in (
        result.output
    )
    result = cli("docs", "build", "--out", "site-out", cwd=repo)
    assert "removed, in catalog/.featurecat/portal " in result.output
    assert "Portal built in site-out (" in result.output
    (repo / "catalog" / "teams" / "growth.yaml").write_text("name: growth\nbogus: 1\n")
    broken = cli("validate", "--catalog", "../catalog", cwd=here)
    assert broken.output.startswith("../catalog/teams/growth.yaml:2: error:")
