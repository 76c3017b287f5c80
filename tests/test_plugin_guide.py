"""The network backend of docs/plugins.md, run as written: two tables, two real HTTP servers.

The page's second Python block is registered with pluggy as an installed plugin module would
be, and two OpenAI-style chat servers (stdlib HTTP, streaming server-sent events, no token
counts) run on 127.0.0.1. The conformance kit runs against one; both serve at once.
"""

from __future__ import annotations

import json
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from llmspell import BackendUnavailableError, ConfigError, Manager
from llmspell.plugins import plugin_manager
from llmspell.testing import BackendContract, Subject

from tests.test_docs import python_blocks


def chat_server(label: str, key: str | None = None) -> ThreadingHTTPServer:
    """Echoes the last message's words (one per event), prefixed by `label`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if key and self.headers.get("Authorization") != f"Bearer {key}":
                return self._json(401, {"error": "bad key"})
            self._json(200, {"data": [{"id": "tiny"}]})

        def do_POST(self):
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            words = [label, *request["messages"][-1]["content"].split()]
            limit = request.get("max_tokens") or len(words)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for word in words[:limit]:
                event = {"choices": [{"delta": {"content": word + " "}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            finish = "length" if limit < len(words) else "stop"
            last = {"choices": [{"delta": {}, "finish_reason": finish}]}
            self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def guide_plugin() -> Iterator[None]:
    module = types.ModuleType("chatserver_from_the_guide")
    exec(compile(python_blocks("plugins.md")[1], "plugins.md", "exec"), module.__dict__)
    pm, _ = plugin_manager()
    pm.register(module, name="chatserver")
    yield
    pm.unregister(module)


@pytest.fixture
def two_servers(guide_plugin, isolated_home, monkeypatch) -> Iterator[Manager]:
    gpubox, laptop = chat_server("gpubox", key="s3cret"), chat_server("laptop")
    monkeypatch.setenv("GPUBOX_KEY", "s3cret")
    (isolated_home / "llmspell.toml").write_text(
        "[providers.gpubox]\nprovider_type = 'chatserver'\n"
        f"base_url = 'http://127.0.0.1:{gpubox.server_port}'\napi_key = '${{GPUBOX_KEY}}'\n"
        "[providers.laptop]\nprovider_type = 'chatserver'\n"
        f"base_url = 'http://127.0.0.1:{laptop.server_port}'\n"
        "[providers.laptop.options]\ncontext_length = 8192\n"
    )
    yield Manager()
    gpubox.shutdown()
    laptop.shutdown()


def test_one_plugin_serves_two_servers_from_two_tables(two_servers):
    m = two_servers
    assert m.agent("gpubox/tiny").complete("hello there") == "gpubox hello there "
    result = m.agent("tiny@laptop").execute("hello")
    assert (result.text, result.provider, result.finish_reason) == (
        "laptop hello ",
        "laptop",
        "stop",
    )
    assert result.usage.total is None  # the server sent no counts: unknown, not 0
    assert m.agent("laptop/tiny").provider.context_length == 8192
    assert {x.id for x in m.list_models()} >= {"gpubox/tiny", "laptop/tiny"}


def test_a_type_that_needs_a_table_makes_no_instance_and_no_call_without_one(guide_plugin):
    assert "chatserver" not in Manager().backends


def test_a_table_without_base_url_disables_that_backend_only(guide_plugin, isolated_home):
    (isolated_home / "llmspell.toml").write_text("[providers.box]\nprovider_type = 'chatserver'\n")
    m = Manager()
    assert m.faults["box"].reason == "[providers.box] needs base_url, e.g. http://gpu:8000."
    with pytest.raises(ConfigError):
        m.agent("box/tiny")
    assert m.agent("echo@echo").complete("fine").strip() == "fine"


def test_a_server_that_is_down_is_unhealthy_and_a_runtime_failure(guide_plugin, isolated_home):
    (isolated_home / "llmspell.toml").write_text(
        "[providers.box]\nprovider_type = 'chatserver'\nbase_url = 'http://127.0.0.1:9'\n"
    )
    m = Manager()
    (status,) = [s for s in m.status() if s.backend == "box"]
    assert not status.healthy and "does not answer" in status.error
    with pytest.raises(BackendUnavailableError, match="Start it, or fix base_url"):
        m.list_models("box")


class TestTheGuidesBackend(BackendContract):
    @pytest.fixture
    def llmspell_subject(self, two_servers):
        return Subject(two_servers, "gpubox", "tiny")


def test_installed_through_an_entry_point_it_serves_both_tables_from_the_cli(
    tmp_path, isolated_home, monkeypatch
):
    from tests.cli.helpers import llmspell
    from tests.support.entry_points import write_plugin

    source = python_blocks("plugins.md")[1]
    root = write_plugin(tmp_path / "p", "llmspell-chatserver", "llmspell_chatserver", source)
    monkeypatch.setenv("PYTHONPATH", str(root))
    gpubox, laptop = chat_server("gpubox", key="s3cret"), chat_server("laptop")
    monkeypatch.setenv("GPUBOX_KEY", "s3cret")
    (isolated_home / "llmspell.toml").write_text(
        "[providers.gpubox]\nprovider_type = 'chatserver'\n"
        f"base_url = 'http://127.0.0.1:{gpubox.server_port}'\napi_key = '${{GPUBOX_KEY}}'\n"
        "[providers.laptop]\nprovider_type = 'chatserver'\n"
        f"base_url = 'http://127.0.0.1:{laptop.server_port}'\n"
    )
    try:
        listed = json.loads(llmspell("model", "list", "--format", "json").stdout)
        assert {"gpubox/tiny", "laptop/tiny"} <= {m["id"] for m in listed["models"]}
        for name in ("gpubox", "laptop"):
            chat = llmspell("chat", f"{name}/tiny", "hello")
            assert (chat.returncode, chat.stdout.strip()) == (0, f"{name} hello"), chat.stderr
        plugins = llmspell("plugins", "--format", "json").stdout
        (row,) = [p for p in json.loads(plugins)["plugins"] if p["name"] == "llmspell_chatserver"]
        assert (row["status"], row["backends"]) == ("loaded", ["gpubox", "laptop"])
    finally:
        gpubox.shutdown()
        laptop.shutdown()
