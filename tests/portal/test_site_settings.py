"""``site/mkdocs.yml`` and hand-written pages: text shows as text, links are http(s) only."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.portal.hostile import live_markup
from tests.support import build_tree, cli, commit_all, init_repo, make_catalog

HOSTILE_SETTINGS = """\
site_name: "<script>alert('name')</script>"
site_description: "\\"><script>alert('description')</script>"
site_author: "\\"><script>alert('author')</script>"
copyright: "<img src=x onerror=alert('copyright')>"
repo_name: "<script>alert('repo')</script>"
repo_url: https://git.example.com/acme/catalog
extra:
  social:
    - icon: fontawesome/brands/github
      link: https://git.example.com/acme
      name: "\\" onmouseover=\\"alert('social')"
theme:
  palette:
    - scheme: default
      toggle:
        icon: material/weather-night
        name: "\\" onmouseover=\\"alert('toggle')"
"""

TITLE_PAGE = "---\ntitle: \"<img src=x onerror=alert('title')>\"\n---\n\nA page.\n"


class _Text(HTMLParser):
    """Everything a browser shows as text (titles and attributes' text are not markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("script", "style")
        self.parts += [value for key, value in attrs if key in ("title", "content") and value]

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def shown(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog", {"featurecat.yaml": "name: test\nsite: ../site\n"})
    return repo


def build(repo: Path, out: Path, site: dict[str, str]) -> tuple[int, str]:
    build_tree(repo / "site", site)
    commit_all(repo, "Add the catalog and its site")
    result = cli("docs", "build", "--catalog", repo / "catalog", "--out", out)
    return result.exit_code, result.output


def test_site_settings_and_page_titles_show_as_text(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = {"mkdocs.yml": HOSTILE_SETTINGS, "docs/hostile.md": TITLE_PAGE}
    code, output = build(repo, out, site)
    assert code == 0, output
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    found = {str(p.relative_to(out)): live_markup(p.read_text()) for p in pages}
    assert {page: bad for page, bad in found.items() if bad} == {}
    # The home page has no description of its own, so it shows the site's.
    text = shown((out / "index.html").read_text())
    for value in (
        "<script>alert('name')</script>",
        "\"><script>alert('description')</script>",
        "\"><script>alert('author')</script>",
        "<img src=x onerror=alert('copyright')>",
        "<script>alert('repo')</script>",
        "\" onmouseover=\"alert('social')",
        "\" onmouseover=\"alert('toggle')",
        "<img src=x onerror=alert('title')>",  # the page's title, in every page's navigation
    ):
        assert value in text


def test_text_is_escaped_once(repo: Path, tmp_path: Path) -> None:
    settings = "site_name: Tom's Q&A\ncopyright: Acme & Co\n"
    code, output = build(repo, tmp_path / "out", {"mkdocs.yml": settings})
    assert code == 0, output
    text = shown((tmp_path / "out" / "index.html").read_text())
    assert "Home - Tom's Q&A" in text and "Acme & Co" in text
    assert "&amp;" not in text and "&#" not in text, "templates that escape do not escape twice"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            'repo_url: "https://x\\"onmouseover=alert(1)//"\n',
            "site/mkdocs.yml:1: error: repo_url must be an http(s) address",
        ),
        ("repo_url: foo\n", "site/mkdocs.yml:1: error: repo_url must be an http(s) address"),
        (
            "site_name: x\nsite_url: javascript:alert(1)\n",
            "site/mkdocs.yml:2: error: site_url must be an http(s) address",
        ),
        (
            "extra:\n  social:\n    - icon: fontawesome/brands/github\n"
            "      link: javascript:alert(1)\n",
            "site/mkdocs.yml:4: error: extra.social[0].link must be an http(s) address",
        ),
        (
            "extra_css: [javascript:alert(1)]\n",
            "site/mkdocs.yml:1: error: extra_css[0] must be a relative path or an http(s)",
        ),
        ("site_name: [a, b]\n", "site/mkdocs.yml:1: error: site_name must be text"),
        ("extra_css: style.css\n", "site/mkdocs.yml:1: error: extra_css must be a list"),
        (
            "theme:\n  palette: 5\n",
            "site/mkdocs.yml:2: error: theme.palette must be a mapping or a list of mappings",
        ),
    ],
)
def test_links_must_be_web_addresses_and_text_must_be_text(
    repo: Path, tmp_path: Path, settings: str, message: str
) -> None:
    code, output = build(repo, tmp_path / "out", {"mkdocs.yml": settings})
    assert code == 1
    assert message in output
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()
