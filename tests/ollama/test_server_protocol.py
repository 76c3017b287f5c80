"""The test server itself answers as Ollama's API documentation says (docs/api.md), so the
backend tests above exercise the client against the real protocol, not a convenient one."""

from __future__ import annotations

import json

import httpx
import ollama
import pytest

from tests.ollama.conftest import MODEL
from tests.support.ollama_server import NO_SUCH_MODEL


@pytest.fixture
def client(ollama_server) -> ollama.Client:
    return ollama.Client(host=ollama_server.url)


def test_root_and_head_say_ollama_is_running(ollama_server):
    assert httpx.get(ollama_server.url).text == "Ollama is running"
    assert httpx.head(ollama_server.url).status_code == 200


def test_generate_streams_ndjson_and_ends_with_metrics_and_context(ollama_server, client):
    with httpx.stream(
        "POST", ollama_server.url + "/api/generate", json={"model": MODEL, "prompt": "a b c"}
    ) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = [json.loads(line) for line in response.iter_lines()]
    assert [line["done"] for line in lines] == [False, False, True]
    final = lines[-1]
    assert final["response"] == " c"  # the final line carries the last piece of text
    assert final["done_reason"] == "stop"
    for key in (
        "total_duration",
        "load_duration",
        "prompt_eval_count",
        "prompt_eval_duration",
        "eval_count",
        "eval_duration",
        "context",
        "created_at",
        "model",
    ):
        assert key in final
    whole = client.generate(MODEL, "a b c")
    assert (whole.response, whole.done, whole.eval_count) == ("a b c", True, 3)


def test_empty_requests_load_and_unload_the_model(client, ollama_server):
    assert client.chat(MODEL, []).done_reason == "load"
    assert ollama_server.loaded
    assert client.generate(MODEL, keep_alive=0).done_reason == "unload"
    assert not ollama_server.loaded


def test_errors_have_json_bodies_and_documented_codes(ollama_server):
    post = lambda path, body: httpx.post(ollama_server.url + path, json=body)  # noqa: E731
    assert post("/api/chat", {"messages": []}).json() == {"error": "model is required"}
    missing = post("/api/show", {"model": "ghost"})
    assert (missing.status_code, missing.json()) == (404, {"error": "model 'ghost' not found"})
    pull = post("/api/pull", {"model": "ghost", "stream": False})
    assert (pull.status_code, pull.json()) == (500, {"error": NO_SUCH_MODEL})
    empty = httpx.post(ollama_server.url + "/api/chat")
    assert (empty.status_code, empty.json()) == (400, {"error": "missing request body"})
    assert httpx.get(ollama_server.url + "/api/nothing").status_code == 404


def test_pull_without_streaming_answers_one_success_object(client):
    assert client.pull("qwen2.5:0.5b").status == "success"
    assert "qwen2.5:0.5b" in {m.model for m in client.list().models}


def test_delete_answers_an_empty_200(ollama_server):
    response = httpx.request("DELETE", ollama_server.url + "/api/delete", json={"model": MODEL})
    assert (response.status_code, response.content) == (200, b"")
