"""Installing llmspell-openai costs nothing where it is not used: `openai` is imported only
when a configured server is reached, and a server that is down is found out without it."""

from __future__ import annotations

from tests.openai.conftest import write_tables
from tests.support.imports import modules_after


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
