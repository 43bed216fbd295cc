"""A catalog whose every user-written string tries to become live markup somewhere."""

from __future__ import annotations

import textwrap

from tests.support import BASE_CATALOG

#: One entry per injection vector: a name, and the text a description carries.
VECTORS = {
    "script": "<script>alert('script')</script>",
    "onerror": '<img src=x onerror="alert(1)">',
    "javascript_link": "[click me](javascript:alert(2))",
    "javascript_autolink": "<javascript:alert(3)>",
    "data_link": "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg0KTwvc2NyaXB0Pg==)",
    "entity_link": "[sneaky](&#106;avascript:alert(5))",
    "reference_link": "[ref][x]\n\n[x]: javascript:alert(6)",
    "attr_list": 'text{: onclick="alert(7)" }',
    "jinja": "{{ 7*7 }} {% raw %}{{ config }}{% endraw %} {{ cycler.__init__.__globals__ }}",
    "mermaid_fence": '```mermaid\nflowchart LR\n  a["<img src=x onerror=alert(8)>"] --> b\n```',
    "tags_directive": "<!-- material/tags -->",
    "html_comment": "<!-- hidden --> <style>body{display:none}</style>",
    "front_matter": "---\ntitle: pwned\nsearch: {exclude: true}\n---",
    "markdown_image": "![x](javascript:alert(9))",
    "iframe": '<iframe src="https://evil.example"></iframe>',
}

HOSTILE_MARKERS = ("alert(", "onerror", "javascript:", "<script", "<iframe", "<style")


def _feature(name: str, description: str) -> str:
    body = textwrap.indent(description, "  ")
    return (
        f"name: {name}\n"
        f"description: |-\n{body}\n"
        "owner: growth\nsource: user_profile\ncolumn: user_age\ndtype: int64\n"
    )


def hostile_catalog() -> dict[str, str]:
    """The base catalog plus one feature per vector, and hostile team and model text."""
    files = dict(BASE_CATALOG)
    files["teams/growth.yaml"] = (
        "name: growth\n"
        "description: \"<script>alert('team')</script> [x](javascript:alert('team'))\"\n"
        "contact: \"<img src=x onerror=alert('contact')>\"\n"
    )
    files["models/churn_model.yaml"] = (
        "name: churn_model\n"
        "description: \"<svg onload=alert('model')> | broken | table\"\n"
        "owner: risk\nfeatures: [user_age, user_country]\n"
    )
    files["featurecat.yaml"] = 'name: test\ndescription: "\\"><script>alert(\'meta\')</script>"\n'
    for name, description in VECTORS.items():
        files[f"features/hostile/{name}.yaml"] = _feature(name, description)
    return files
