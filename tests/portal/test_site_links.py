"""Issue 13's page details on the example portal: links to the repository where ``repo_url`` is
set, a model's deprecation warning naming each replacement, and histograms of exact counts."""

from __future__ import annotations

import re
import subprocess

import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from featurecat.catalog import Catalog
from featurecat.portal.charts import histogram
from featurecat.portal.profile import ColumnProfile
from tests.portal.conftest import Site

SITE_YAML = "site/mkdocs.yml"


def repo_url(site: Site) -> str:
    settings = yaml.safe_load((site.repo / SITE_YAML).read_text(encoding="utf-8"))
    url: str = settings["repo_url"]
    assert url.startswith("https://"), "the example site sets repo_url"
    return url.rstrip("/")


def test_commits_and_definition_files_link_to_the_repository(example_site: Site) -> None:
    base = repo_url(example_site)
    page = example_site.html("features/user_age")
    history = page[page.index('id="history"') :]
    commits = re.findall(rf'<a href="{re.escape(base)}/commit/([0-9a-f]{{40}})"><code>', history)
    assert len(commits) == 2, "each commit of the history is a link"
    for sha in commits:
        kind = subprocess.run(
            ["git", "cat-file", "-t", sha], cwd=example_site.repo, capture_output=True, text=True
        )
        assert kind.stdout.strip() == "commit", f"{sha} is a commit of the catalog's repository"
    files = re.findall(rf'href="{re.escape(base)}/blob/HEAD/([^"]+)"', page)
    # The overview's "Defined in" and the contracts' "Declared in" both link the YAML file.
    assert files and set(files) == {"catalog/features/user/user_age.yaml"}
    assert (example_site.repo / files[0]).is_file()


def test_a_models_deprecation_warning_names_each_replacement(example_site: Site) -> None:
    catalog = Catalog.load(example_site.catalog)
    for name, model in catalog.models.items():
        page = example_site.html(f"models/{name}")
        used = [catalog.features[f] for f in model.features]
        deprecated = [f for f in used if str(f.status) == "deprecated"]
        if not deprecated:
            assert "Uses deprecated features" not in page
            continue
        warning = page[page.index("Uses deprecated features") :]
        warning = warning[: warning.index("</div>")]
        for old in deprecated:
            assert old.replaced_by, "the example declares every replacement"
            line = re.search(rf"<li><a [^>]*>{old.name}</a>: (.*?)</li>", warning)
            assert line is not None, (name, old.name)
            assert f'href="../../features/{old.replaced_by}/"' in line.group(1)
            assert re.sub(r"<[^>]+>", "", line.group(1)) == f"use {old.replaced_by} instead."
    pages = [example_site.html(f"models/{name}") for name in catalog.models]
    assert any("Uses deprecated features" in page for page in pages), "the example shows one"


def test_histograms_show_every_row_once(example_site: Site) -> None:
    table = pq.read_table(example_site.catalog / "data" / "user_profile.parquet")
    ages = table.column("user_age")
    page = example_site.html("features/user_age")
    chart = page[page.index('<figure class="fc-histogram">') :]
    chart = chart[: chart.index("</figure>") + len("</figure>")]
    counts = [int(n.replace(",", "")) for n in re.findall(r": ([\d,]+) rows?</title>", chart)]
    assert sum(counts) == len(ages) - ages.null_count, "exact counts, every value in one bin"
    assert min(counts) > 0
    peak = re.search(r'class="fc-histogram__y"[^>]*>([\d,]+)<', chart)
    assert peak is not None and int(peak.group(1).replace(",", "")) == max(counts)
    caption = re.sub(r"<[^>]+>", " ", chart[chart.index("<figcaption>") :]).split()
    low, high = pc.min(ages).as_py(), pc.max(ages).as_py()
    assert caption == [str(low), "rows", "per", "bin", "of", "user_age", str(high)], "the axes"


def test_empty_bins_draw_no_bar() -> None:
    bins = ((0.0, 1.0, 4), (1.0, 2.0, 0), (2.0, 3.0, 0), (3.0, 4.0, 1))
    profile = ColumnProfile("score", "number", 5, 2, minimum=0.5, maximum=3.5, bins=bins)
    chart = str(histogram(profile))
    assert re.findall(r"<title>(.*?)</title>", chart) == ["0 to 1: 4 rows", "3 to 4: 1 row"]
    assert chart.count("<rect ") == 2
    assert "5 values in 4 bins" in chart, "the gap still counts as a bin"
