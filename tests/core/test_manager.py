"""The Manager: one façade for status, model management, resolution and agents."""

from __future__ import annotations

import threading
import time

import llmspell
import pytest
from llmspell import (
    Backend,
    GenerationParams,
    HealthStatus,
    LocalModel,
    Manager,
    ModelNotFoundError,
    UnknownBackendError,
)
from llmspell.config import parse_config
from llmspell.plugins import plugin_manager


class DownBackend(Backend):
    """A backend whose server is not running but which would have every model."""

    type_name, priority = "downed", 1

    def health(self):
        return HealthStatus(self.name, healthy=False, error="connection refused")

    def list_models(self):
        raise llmspell.BackendUnavailableError("downed is not running.")

    def has_model(self, model):
        return True


class DownPlugin:
    @llmspell.hookimpl
    def llmspell_register_backends(self, register):
        register(DownBackend)


@pytest.fixture
def with_down_backend():
    """Registers one more plugin with pluggy itself, as an installed plugin would be."""
    pm, _ = plugin_manager()
    plugin = DownPlugin()
    pm.register(plugin, name="test-downed")
    yield
    pm.unregister(plugin)


def echo_only() -> Manager:
    return Manager(
        parse_config({"providers": {"gguf": {"enabled": False}, "ollama": {"enabled": False}}})
    )


def test_status_reports_every_enabled_backend():
    statuses = {s.backend: s for s in echo_only().status()}
    assert set(statuses) == {"echo"}
    assert statuses["echo"].healthy and statuses["echo"].version == "1.0"


def test_disabled_backends_are_left_out():
    assert "gguf" not in echo_only().backends


def test_list_skips_backends_that_are_down_and_says_why(with_down_backend):
    listing = echo_only().list_models()
    assert [m.id for m in listing] == ["echo/echo"]
    assert listing.skipped == {"downed": "downed is not running."}


def test_local_specs_resolve_to_the_healthy_backend_that_has_the_model(with_down_backend):
    resolution = echo_only().resolve("local/echo")
    assert resolution.backend.name == "echo" and resolution.note is None


def test_a_down_default_backend_falls_back_and_says_so(with_down_backend):
    config = parse_config({"default_backend": "downed", "providers": {"gguf": {"enabled": False}}})
    notes = []
    manager = Manager(config)
    manager.on_note = notes.append
    resolution = manager.resolve("local/echo")
    assert resolution.backend.name == "echo"
    assert notes == ["downed is not available (connection refused); using echo."]


def test_an_explicit_backend_is_used_as_named():
    assert echo_only().resolve("echo@echo").backend.name == "echo"
    with pytest.raises(UnknownBackendError, match="installed: echo"):
        echo_only().resolve("echo@nothing")


def test_a_model_no_backend_has_is_a_clear_error():
    # No catalog has it, so the hint is where to find one rather than a pull that fails (#15).
    with pytest.raises(ModelNotFoundError, match="llmspell model available lists the models"):
        echo_only().resolve("local/ghost")


def test_agents_remember_the_conversation():
    agent = echo_only().agent("local/echo", system_prompt="Be brief.")
    assert agent.complete("hello world").strip() == "hello world"
    result = agent.execute("again")
    assert result.usage.prompt == 2 + 2 + 2 + 1  # system, first turn, reply, new turn
    assert [m.role for m in agent.history] == ["user", "assistant", "user", "assistant"]
    agent.reset()
    assert agent.history == []


def test_streaming_ends_with_a_chunk_carrying_the_result():
    chunks = list(echo_only().agent("echo@echo").stream("one two three"))
    assert [c.text for c in chunks[:-1]] == ["one ", "two ", "three "]
    final = chunks[-1]
    assert final.done and final.result.text == "one two three "
    assert final.result.usage.total == 6


def test_history_is_trimmed_to_the_context_oldest_first():
    agent = echo_only().agent("echo@echo", params=GenerationParams(max_tokens=1900))
    agent.complete("word " * 200)
    agent.complete("short")
    request = agent._request("last", None)
    assert [m.content for m in request.messages] == ["short", "short ", "last"]


def test_parameters_are_validated_with_the_argument_named():
    with pytest.raises(llmspell.BadInputError, match="temperature"):
        GenerationParams(temperature=-1)
    with pytest.raises(llmspell.BadInputError, match="top_p"):
        GenerationParams(top_p=2)


def test_backends_without_pull_say_so():
    with pytest.raises(llmspell.NotSupportedError, match="echo backend cannot pull"):
        echo_only().pull("echo@echo")


def test_local_model_ids_name_the_backend():
    assert LocalModel("smollm2:135m", "gguf").id == "gguf/smollm2:135m"


def test_a_bad_backend_option_in_the_config_is_reported_not_hidden(tmp_path):
    (tmp_path / "llmspell.toml").write_text("[providers.echo.options]\ncontext_size = 'big'\n")
    manager = Manager.from_config_file(tmp_path / "llmspell.toml")
    (status,) = [s for s in manager.status() if s.backend == "echo"]
    assert not status.healthy and "providers.echo.options" in status.error
    with pytest.raises(llmspell.ConfigError, match=r"providers\.echo\.options"):
        manager.agent("echo@echo")


class SlowBackend(Backend):
    """Slow to build, and counts its builds: a race on the registry would build it twice."""

    type_name, priority = "slowbuilt", 1
    built = 0

    def __init__(self, settings):
        super().__init__(settings)
        type(self).built += 1
        time.sleep(0.2)

    def health(self):
        return HealthStatus(self.name, healthy=True)

    def list_models(self):
        return []


class SlowPlugin:
    @llmspell.hookimpl
    def llmspell_register_backends(self, register):
        register(SlowBackend)


def test_threads_that_use_a_new_manager_at_once_share_one_set_of_backends():
    pm, _ = plugin_manager()
    plugin = SlowPlugin()
    pm.register(plugin, name="test-slowbuilt")
    try:
        manager, gate, seen = Manager(), threading.Barrier(4), []

        def first_use() -> None:
            gate.wait()
            seen.append(manager.backends["slowbuilt"])

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert SlowBackend.built == 1
        assert len(seen) == 4 and all(b is seen[0] for b in seen)
    finally:
        pm.unregister(plugin)
