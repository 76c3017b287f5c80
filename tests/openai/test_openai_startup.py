"""Installing llmspell-openai costs nothing where it is not used: `openai` is imported only
when a configured server is reached, and a server that is down is found out without it."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.openai.conftest import write_tables

PROBE = """
import json, sys
from llmspell_cli.main import run
code = run(sys.argv[1:])
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "modules": loaded}), file=sys.stderr)
"""


def modules_after(*args: str) -> tuple[int, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])


def test_help_does_not_import_the_openai_client():
    code, modules = modules_after("--help")
    assert code == 0
    assert "openai" not in modules


def test_model_list_without_a_table_does_not_import_the_openai_client():
    code, modules = modules_after("model", "list")
    assert code == 0
    assert "llmspell_openai" in modules  # the plugin was loaded, and stayed cheap
    assert "openai" not in modules


def test_a_server_that_is_down_is_found_out_without_importing_the_client(isolated_home, closed_url):
    write_tables(isolated_home, {"vllm": {"base_url": closed_url}})
    code, modules = modules_after("model", "list")
    assert code == 0
    assert "openai" not in modules
