"""Plugin discovery: real entry points, isolation of broken plugins, LLMSPELL_LOAD_PLUGINS."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from llmspell import Manager, list_plugins

from tests.support.entry_points import write_plugin

REPORT = """
import json, llmspell
m = llmspell.Manager()
print(json.dumps({
    "plugins": {p.name: {"version": p.version, "error": p.error, "hooks": list(p.hooks)}
                for p in llmspell.list_plugins()},
    "backends": list(m.backends),
    "status": {s.backend: s.healthy for s in m.status()},
}))
"""


def report(env_extra: dict[str, str], pythonpath: str | None = None) -> dict:
    env = {**os.environ, **env_extra}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-c", REPORT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_the_example_plugin_is_found_through_its_entry_point():
    echo = next(p for p in list_plugins() if p.name == "echo")
    assert echo.distribution == "llmspell-echo" and echo.version == "0.1.0"
    assert echo.loaded and echo.hooks == ("llmspell_register_backends",)
    assert "echo" in Manager().backends


def test_a_plugin_that_fails_to_import_is_recorded_and_skipped(tmp_path):
    path = write_plugin(tmp_path, "llmspell-broken", "broken_plugin", "raise ImportError('no gpu')")
    result = report({}, str(path))
    broken = result["plugins"]["broken_plugin"]
    assert broken["error"] == "ImportError: no gpu"
    assert broken["version"] == "0.0.1"
    assert "echo" in result["backends"] and result["status"]["echo"] is True


def test_a_plugin_whose_registration_raises_does_not_take_others_down(tmp_path):
    source = (
        "import llmspell\n"
        "@llmspell.hookimpl\n"
        "def llmspell_register_backends(register):\n"
        "    raise llmspell.ConfigError('bad config')\n"
    )
    path = write_plugin(tmp_path, "llmspell-faulty", "faulty_plugin", source)
    script = REPORT + "print(json.dumps({p.name: [p.status, p.error] for p in m.plugins()}))\n"
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    first, second = out.stdout.splitlines()
    assert "echo" in json.loads(first)["backends"]
    assert json.loads(second)["faulty_plugin"] == ["error", "ConfigError: bad config"]
    assert json.loads(second)["echo"] == ["loaded", None]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", set()), ("echo", {"echo"}), ("llmspell-echo", {"echo"}), (" echo , nothing ", {"echo"})],
)
def test_load_plugins_restricts_by_entry_point_or_distribution(value, expected):
    result = report({"LLMSPELL_LOAD_PLUGINS": value})
    assert set(result["plugins"]) == expected
    assert set(result["backends"]) == expected


def test_the_hook_surface_imports_without_the_rest_of_the_core():
    probe = (
        "import sys, llmspell\n"
        "llmspell.hookimpl\n"
        "print(sorted(m for m in ('cattrs', 'llmspell.config', 'llmspell.manager') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
