"""`llmspell plugins`, and the CLI surviving broken or absent plugins."""

from __future__ import annotations

import json

from tests.cli.helpers import llmspell


def test_plugins_lists_name_distribution_version_and_hooks(cli):
    code, out, _ = cli("plugins")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "DISTRIBUTION", "VERSION", "HOOKS", "STATUS"]
    echo = next(row for row in rows if row.startswith("echo "))
    assert echo.split() == [
        "echo",
        "llmspell-echo",
        "0.1.0",
        "llmspell_register_backends",
        "loaded",
    ]


def test_plugins_json_schema(cli):
    code, out, _ = cli("plugins", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"plugins", "registration_errors", "command_errors"}
    echo = next(p for p in data["plugins"] if p["name"] == "echo")
    assert echo == {
        "name": "echo",
        "distribution": "llmspell-echo",
        "version": "0.1.0",
        "hooks": ["llmspell_register_backends"],
        "loaded": True,
        "error": None,
        "status": "loaded",
        "backends": ["echo"],
        "faults": [],
    }


def test_a_plugin_that_fails_to_import_is_reported_and_the_rest_works(plugin_path):
    result = llmspell("plugins")
    assert result.returncode == 0, result.stderr
    assert "broken: failed to load: ImportError: llmspell-broken needs libbroken" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("broken "))
    assert row.split()[1:3] == ["llmspell-broken", "0.0.1"] and row.endswith("error")

    data = json.loads(llmspell("plugins", "--format", "json").stdout)
    broken = next(p for p in data["plugins"] if p["name"] == "broken")
    assert broken["loaded"] is False and "libbroken" in broken["error"]

    assert llmspell("model", "list").returncode == 0
    chat = llmspell("chat", "echo", input="still working\n")
    assert chat.returncode == 0 and chat.stdout == "still working\n"
    assert "llmspell-broken 0.0.1 (plugin broken, failed to load)" in llmspell("--version").stdout


def test_no_plugins_loaded_still_runs_and_says_why():
    env = {"LLMSPELL_LOAD_PLUGINS": ""}
    assert llmspell("--help", env=env).returncode == 0
    status = llmspell("model", "status", env=env)
    assert status.returncode == 0
    assert "No backends are available" in status.stdout
    assert "LLMSPELL_LOAD_PLUGINS" in status.stdout
    listing = llmspell("model", "list", env=env)
    assert listing.returncode == 0 and "No models installed" in listing.stdout
    plugins = llmspell("plugins", env=env)
    assert plugins.returncode == 0 and "No plugins loaded" in plugins.stdout


def test_plugin_restriction_keeps_only_the_named_plugin():
    result = llmspell("model", "status", "--format", "json", env={"LLMSPELL_LOAD_PLUGINS": "echo"})
    assert [b["backend"] for b in json.loads(result.stdout)["backends"]] == ["echo"]


def test_a_plugin_whose_command_hook_raises_is_reported_not_fatal(tmp_path, monkeypatch):
    from tests.support.entry_points import write_plugin

    source = (
        "import llmspell\n\n"
        "@llmspell.hookimpl\n"
        "def llmspell_register_commands(app):\n"
        "    raise RuntimeError('cannot add my command')\n"
    )
    root = write_plugin(tmp_path / "p", "llmspell-badcmd", "llmspell_badcmd", source, "badcmd")
    monkeypatch.setenv("PYTHONPATH", str(root))
    result = llmspell("plugins")
    assert result.returncode == 0
    assert "badcmd: failed to add commands: RuntimeError: cannot add my command" in result.stdout
    assert llmspell("model", "status").returncode == 0
