"""The CLI starts fast: --help imports no heavy library, and every command has help."""

from __future__ import annotations

import subprocess
import sys

from featurecat.cli import COMMANDS
from tests.support import cli

HEAVY = ("pydantic", "pandas", "duckdb", "pyarrow", "git", "mkdocs", "jinja2", "pyspark")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from featurecat.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_every_command_has_help() -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output
        sub = cli(name, "--help")
        assert sub.exit_code == 0, sub.output
        assert "Usage: " in sub.output
