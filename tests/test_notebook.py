"""The notebook displays, in a real Jupyter kernel run headless by nbclient."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from pathlib import Path

import pytest

from tests.retrieval.cases import profile_repo
from tests.support import needs

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>bold</b>'


def run_notebook(cells: list[str], cwd: Path) -> list[dict[str, str]]:
    """Each cell's rich output (mime type -> data) after running them in a fresh kernel."""
    needs(
        all(importlib.util.find_spec(m) for m in ("nbclient", "nbformat", "ipykernel")),
        "nbclient, nbformat and ipykernel (the [test] extra)",
    )
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(textwrap.dedent(c)) for c in cells]
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    shown = []
    for cell in notebook.cells:
        data: dict[str, str] = {}
        for output in cell.outputs:
            assert output.output_type != "error", output
            data.update(output.get("data", {}))
        shown.append(data)
    return shown


@pytest.mark.slow
def test_catalog_search_results_and_feature_cards_display_as_escaped_html(
    tmp_path: Path,
) -> None:
    root = profile_repo(tmp_path)
    age = root / "features/user/user_age.yaml"
    age.write_text(
        age.read_text().replace(
            "description: Age of the user in years.", f"description: '{HOSTILE}'"
        )
    )
    catalog, results, card = run_notebook(
        [
            f"""
            import featurecat
            cat = featurecat.Catalog.load({str(root)!r})
            cat
            """,
            "featurecat.search('user owner:growth kind:feature', catalog=cat)",
            "featurecat.show('user_age', catalog=cat)",
        ],
        tmp_path,
    )
    html = catalog["text/html"]
    assert "Catalog test" in html
    assert "<th>Features</th><td>2</td>" in html
    assert catalog["text/plain"] == (
        "<Catalog test: 2 features, 1 source, 1 entity, 2 teams, 1 model>"
    )

    html = results["text/html"]
    rows = re.findall(r"<tr><td><code>(\w+)</code></td><td>(\w+)</td><td>(\w*)</td>", html)
    assert rows == [("user_age", "feature", "growth"), ("user_country", "feature", "growth")]

    html = card["text/html"]
    assert "<h3><code>user_age</code></h3>" in html
    for shown in (
        "<th>Owner</th><td>growth (@acme/growth)</td>",
        "<th>Type</th><td><code>int64</code></td>",
        "<th>Status</th><td>production</td>",
        "<th>Entity</th><td>user (join keys: user_id)</td>",
        "featurecat.load_features([&#x27;user_age&#x27;], entity_df=labels",
    ):
        assert shown in html
    assert re.search(r"<th>Profile</th><td>\d+ rows, [\d.]+% null, \d+ distinct, min ", html)
    # The description is shown as text: escaped, never markup.
    for markup in ("<script", "<img", "<b>", "onerror=alert(1)>"):
        assert markup not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img" in html
    assert "&amp; &lt;b&gt;bold&lt;/b&gt;" in html
    for output in (catalog, results, card):
        assert "<script" not in output["text/html"]
