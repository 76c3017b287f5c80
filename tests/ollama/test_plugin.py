"""The plugin is found through its entry point and stays cheap to import."""

from __future__ import annotations

import os
import subprocess
import sys

from llmspell import Manager


def test_the_entry_point_loads_and_registers_the_ollama_backend():
    (record,) = [p for p in Manager().plugins() if p.name == "ollama"]
    assert record.loaded, record.error
    assert record.distribution == "llmspell-ollama"
    assert set(record.hooks) >= {"llmspell_register_backends", "llmspell_register_commands"}
    backend = Manager().backend("ollama")
    assert (backend.name, backend.priority) == ("ollama", 10)


def test_registering_the_backend_imports_neither_ollama_nor_httpx():
    code = (
        "import sys\n"
        "from llmspell import Manager\n"
        "m = Manager(); assert 'ollama' in m.backends\n"
        "print(sorted({'ollama', 'httpx', 'pydantic'} & set(sys.modules)))\n"
    )
    env = {**os.environ, "LLMSPELL_LOAD_PLUGINS": "ollama"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


def test_a_down_ollama_is_reported_without_importing_the_client(closed_endpoint):
    code = (
        "import sys\n"
        "from llmspell import Manager\n"
        "m = Manager(); (status,) = m.status(); listing = m.list_models()\n"
        "assert not status.healthy and 'ollama' in listing.skipped, status\n"
        "print(sorted({'ollama', 'httpx', 'pydantic'} & set(sys.modules)))\n"
    )
    env = {**os.environ, "LLMSPELL_LOAD_PLUGINS": "ollama", "OLLAMA_HOST": closed_endpoint}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
