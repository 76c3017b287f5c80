"""`llmspell model list | status | available | info` with the backends installed here.

Ollama is installed but not running in tests (OLLAMA_HOST points at a closed port), which is
exactly the case `list` must survive.
"""

from __future__ import annotations

import json

LOCAL_MODEL_KEYS = {
    "id",
    "name",
    "backend",
    "size_bytes",
    "quantization",
    "modified_at",
    "modified",
    "path",
    "status",  # store (#12): "ok", "dangling" or "missing"
    "details",
}


def test_list_shows_a_table_and_notes_backends_that_are_down(cli):
    code, out, err = cli("model", "list")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "BACKEND", "SIZE", "QUANTIZATION", "MODIFIED"]
    assert ["echo", "echo", "-", "-", "-"] in [row.split() for row in rows]  # sizes unknown
    assert err.startswith("Note: skipped ollama: Ollama is not running")


def test_list_json_has_a_stable_schema_and_the_skipped_backends(cli):
    code, out, _ = cli("model", "list", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"models", "skipped"}
    echo = next(m for m in data["models"] if m["backend"] == "echo")
    assert set(echo) == LOCAL_MODEL_KEYS
    assert echo["id"] == "echo/echo" and echo["modified_at"] is None
    assert "Ollama is not running" in data["skipped"]["ollama"]


def test_list_of_one_backend(cli):
    code, out, _ = cli("model", "list", "--backend", "echo", "-v")
    assert code == 0
    assert out.splitlines()[0].split() == [
        "NAME",
        "BACKEND",
        "SIZE",
        "QUANTIZATION",
        "MODIFIED",
        "PATH",
    ]


def test_list_of_an_unknown_backend_is_bad_input(cli):
    code, _, err = cli("model", "list", "--backend", "nosuch")
    assert code == 2
    assert "nosuch" in err


def test_list_of_a_backend_that_is_down_is_a_runtime_failure(cli):
    code, _, err = cli("model", "list", "--backend", "ollama")
    assert code == 1
    assert err.startswith("Error: Ollama is not running")


def test_status_shows_every_backend_and_why_one_is_down(cli):
    code, out, _ = cli("model", "status")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["BACKEND", "STATUS", "VERSION", "MODELS", "LOCATION", "DEVICE"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if "   " in line}
    assert rows["echo"][:4] == ["echo", "ready", "1.0", "1"]
    assert rows["ollama"][1] == "unavailable"
    assert any(line.startswith("ollama: Ollama is not running") for line in lines)


def test_status_json(cli):
    code, out, _ = cli("model", "status", "--format", "json")
    assert code == 0
    data = json.loads(out)
    echo = next(b for b in data["backends"] if b["backend"] == "echo")
    assert echo == {
        "backend": "echo",
        "healthy": True,
        "version": "1.0",
        "error": None,
        "model_count": 1,
        "endpoint": None,
        "device": None,
        "loaded": [],
        "notes": [],  # store (#12): problems that leave the backend usable
        "details": {},
    }


def test_available_lists_the_catalog_with_sizes(cli):
    code, out, _ = cli("model", "available", "--recommended")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "BACKEND", "SIZE", "RECOMMENDED", "DESCRIPTION"]
    assert rows and all(" yes " in row for row in rows)
    names = {row.split()[0] for row in rows}
    assert {"phi3:3.8b", "mistral:7b", "llama3.1:8b", "gemma2:9b"} <= names


def test_available_json(cli):
    code, out, _ = cli("model", "available", "--format", "json")
    assert code == 0
    entries = json.loads(out)["models"]
    assert entries
    assert set(entries[0]) == {
        "name",
        "backend",
        "size_bytes",
        "description",
        "recommended",
        "details",
    }
    assert len([e for e in entries if e["recommended"]]) < len(entries)


def test_info_of_a_model(cli):
    code, out, _ = cli("model", "info", "echo")
    assert code == 0
    assert out.splitlines()[0] == "model    echo/echo"
    code, out, _ = cli("model", "info", "echo@echo", "--format", "json")
    data = json.loads(out)
    assert data["id"] == "echo/echo" and data["loaded"] is False
    assert {"architecture", "parameter_count", "context_length", "has_chat_template"} <= set(data)


def test_import_of_a_missing_file_is_bad_input(cli, tmp_path):
    code, _, err = cli("model", "import", str(tmp_path / "nothing.gguf"))
    assert code == 2
    assert "nothing.gguf is not a file" in err
