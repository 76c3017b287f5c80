"""Configuration and failures: several servers, keys, servers that are down, no table at all."""

from __future__ import annotations

import time

import pytest
from llmspell import BackendUnavailableError, GenerationParams, Manager

from tests.openai.conftest import TEST_KEY
from tests.openai.llama_server import MODEL_ID

ONE_TOKEN = GenerationParams(max_tokens=1)


def test_without_a_table_there_is_no_openai_backend_and_no_network_call(
    isolated_home, cli, monkeypatch
):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"no connection expected, got one to {args[0]!r}")

    monkeypatch.setattr(socket, "create_connection", refuse)
    manager = Manager()
    assert all(b.settings.type_name != "openai" for b in manager.backends.values())
    assert "openai" not in manager.faults
    code, out, _ = cli("model", "status", "--format", "json")
    assert code == 0
    assert '"openai' not in out


def test_two_tables_are_two_servers_addressed_by_their_names(
    llama_server, keyed_server, configure, monkeypatch
):
    monkeypatch.setenv("KEYED_API_KEY", TEST_KEY)
    configure(
        open={"base_url": llama_server.url},
        keyed={"base_url": keyed_server.url, "api_key": "${KEYED_API_KEY}"},
    )
    manager = Manager()
    listed = sorted(m.id for m in manager.list_models())
    assert f"open/{MODEL_ID}" in listed
    assert f"keyed/{MODEL_ID}" in listed
    for name in ("open", "keyed"):
        result = manager.agent(f"{name}/{MODEL_ID}").execute("Hi", ONE_TOKEN)
        assert result.provider == name
    statuses = {s.backend: s for s in manager.status()}
    assert statuses["open"].endpoint == llama_server.url
    assert statuses["keyed"].endpoint == keyed_server.url


def test_a_server_that_wants_a_key_refuses_without_it_and_the_error_says_so(
    keyed_server, configure, cli
):
    configure(keyed={"base_url": keyed_server.url})
    status = {s.backend: s for s in Manager().status()}["keyed"]
    assert not status.healthy
    assert "HTTP 401, API key missing" in status.error
    assert 'api_key = "${KEYED_API_KEY}"' in status.error

    code, _, err = cli("model", "list", "--backend", "keyed")
    assert code == 1
    assert "refused the request (HTTP 401" in err


def test_a_wrong_key_is_named_as_wrong_and_never_printed(keyed_server, configure, cli):
    wrong = "sk-wrong-5e2b9a"
    configure(keyed={"base_url": keyed_server.url, "api_key": wrong})
    code, _, err = cli("model", "info", f"keyed/{MODEL_ID}")
    assert code == 1
    assert "API key rejected" in err
    assert "Check api_key under [providers.keyed]" in err
    assert wrong not in err
    code, out, err = cli("--debug", "model", "info", f"keyed/{MODEL_ID}")
    assert code == 1
    assert wrong not in out + err


def test_the_right_key_from_the_environment_works(keyed_server, configure, monkeypatch):
    monkeypatch.setenv("KEYED_API_KEY", TEST_KEY)
    configure(keyed={"base_url": keyed_server.url, "api_key": "${KEYED_API_KEY}"})
    result = Manager().agent(f"keyed/{MODEL_ID}").execute("Hi", ONE_TOKEN)
    assert result.usage.completion == 1


def test_a_server_that_is_down_is_reported_fast_with_its_url(closed_url, configure, cli):
    configure(vllm={"base_url": closed_url})
    backend = Manager().backend("vllm")
    started = time.perf_counter()
    status = backend.health()
    assert time.perf_counter() - started < 0.5
    assert not status.healthy
    assert status.error == (
        f"The OpenAI-compatible server 'vllm' is not reachable at {closed_url} "
        "(connection refused). Start the server, or fix base_url under [providers.vllm]."
    )
    with pytest.raises(BackendUnavailableError, match="not reachable"):
        Manager().agent("vllm/some/model")

    code, out, err = cli("model", "list")
    assert code == 0
    assert "skipped vllm: The OpenAI-compatible server 'vllm' is not reachable" in out + err


def test_a_host_name_that_does_not_resolve_is_named(configure):
    configure(vllm={"base_url": "http://no-such-host.invalid:8000/v1"})
    status = {s.backend: s for s in Manager().status()}["vllm"]
    assert not status.healthy
    assert "(the host name 'no-such-host.invalid' cannot be resolved)" in status.error


def test_a_host_that_never_answers_costs_the_connect_timeout(configure):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the backlog: further SYNs are ignored, as by a dead host
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    try:
        configure(
            vllm={
                "base_url": f"http://127.0.0.1:{port}/v1",
                "options": {"connect_timeout_seconds": 0.5},
            }
        )
        backend = Manager().backend("vllm")
        started = time.perf_counter()
        status = backend.health()
        elapsed = time.perf_counter() - started
    finally:
        for s in [*fillers, listener]:
            s.close()
    assert not status.healthy
    assert "no answer within 0.5 s" in status.error
    assert 0.4 < elapsed < 1.5


def test_a_table_without_base_url_disables_that_backend_only(llama_server, configure, cli):
    configure(broken={}, vllm={"base_url": llama_server.url})
    manager = Manager()
    fault = manager.faults["broken"]
    assert fault.bad_input
    assert "no base_url" in fault.reason
    assert "vllm" in manager.backends
    code, _, err = cli("model", "list", "--backend", "broken")
    assert code == 2
    assert 'base_url = "http://127.0.0.1:8000/v1"' in err


def test_a_base_url_without_the_api_root_is_explained(llama_server, configure):
    configure(vllm={"base_url": llama_server.url.removesuffix("/v1")})
    status = {s.backend: s for s in Manager().status()}["vllm"]
    assert not status.healthy
    assert "usually ending in /v1" in status.error


def test_extra_headers_and_options_are_typed_from_the_table(llama_server, configure):
    configure(
        vllm={
            "base_url": llama_server.url,
            "options": {"headers": {"X-Tenant": "team-a"}, "max_retries": 0},
        }
    )
    backend = Manager().backend("vllm")
    assert backend.options.headers == {"X-Tenant": "team-a"}
    assert backend.options.max_retries == 0
    assert backend.health().healthy
