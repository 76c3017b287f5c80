"""Backend types registered by plugins, one instance per `[providers.NAME]` table, faults contained.

Plugins here are registered with pluggy itself, as an installed plugin's module would be, and
the echo plugin comes through its real entry point.
"""

from __future__ import annotations

import ast
from pathlib import Path

import llmspell
import pytest
from llmspell import Backend, BackendSettings, HealthStatus, LocalModel, Manager
from llmspell.config import parse_config
from llmspell.plugins import plugin_manager

CORE = Path(llmspell.__file__).parent


class Remote(Backend):
    """A network backend with no usable default: it exists only where a table configures it."""

    type_name, needs_table, priority = "remote", True, 50

    def health(self):
        return HealthStatus(self.name, True, endpoint=self.settings.base_url)

    def list_models(self):
        return [LocalModel("m", self.name)]


class Fragile(Backend):
    """A backend whose plugin has bugs: `__init__`, `health` or `list_models` may raise."""

    type_name, aliases = "fragile", ("brittle",)

    def __init__(self, settings):
        super().__init__(settings)
        if self.settings.base_url == "http://crash:1":
            raise RuntimeError("cannot start")

    def health(self):
        raise ZeroDivisionError("health bug")

    def list_models(self):
        raise KeyError("list bug")


class Plugins:
    @llmspell.hookimpl
    def llmspell_register_backends(self, register):
        register(Remote)
        register(Fragile)


class Broken:
    @llmspell.hookimpl
    def llmspell_register_backends(self, register):
        raise llmspell.ConfigError("my own config is wrong")


class Misuse:
    @llmspell.hookimpl
    def llmspell_register_backends(self, register):
        register(Remote(BackendSettings("r", "remote")))


@pytest.fixture(autouse=True)
def plugins():
    pm, _ = plugin_manager()
    added = [(Plugins(), "test-types"), (Broken(), "test-broken"), (Misuse(), "test-misuse")]
    for plugin, name in added:
        pm.register(plugin, name=name)
    yield
    for plugin, _name in added:
        pm.unregister(plugin)


def manager(providers: dict | None = None, **top) -> Manager:
    tables = {"gguf": {"enabled": False}, "ollama": {"enabled": False}, **(providers or {})}
    return Manager(parse_config({**top, "providers": tables}))


def test_a_type_without_a_table_gets_one_default_instance_named_after_it():
    m = manager()
    assert {"echo", "fragile"} <= set(m.backends)
    echo = m.backends["echo"]
    assert echo.settings == BackendSettings("echo", "echo", timeout_seconds=120.0)


def test_a_type_that_needs_a_table_has_no_instance_without_one():
    assert "remote" not in manager().backends


def test_each_table_is_one_instance_addressed_by_its_name():
    m = manager(
        {
            "east": {"provider_type": "remote", "base_url": "http://east:8000"},
            "west": {"provider_type": "remote", "base_url": "http://west:8000", "api_key": "k"},
        }
    )
    east, west = m.backend("east"), m.backend("west")
    assert (east.name, west.name) == ("east", "west")
    assert (east.settings.base_url, west.settings.api_key) == ("http://east:8000", "k")
    assert m.resolve("east/m").backend is east
    assert m.resolve("some/model:tag@west").backend is west
    assert m.resolve("some/model:tag@west").spec.name == "some/model:tag"
    assert {x.id for x in m.list_models()} >= {"east/m", "west/m", "echo/echo"}


def test_two_tables_of_the_echo_plugin_serve_two_backends():
    m = manager({"one": {"provider_type": "echo"}, "two": {"provider_type": "echo"}})
    assert {"one", "two"} <= set(m.backends) and "echo" not in m.backends
    assert m.agent("echo@two").execute("hi").provider == "two"
    with pytest.raises(llmspell.UnknownBackendError, match=r"installed: .*one, two"):
        m.backend("echo")  # two instances: the type name picks neither


def test_a_table_named_after_another_type_takes_the_name_from_its_default_instance():
    m = manager({"fragile": {"provider_type": "echo"}})
    assert type(m.backends["fragile"]).type_name == "echo"
    assert "echo" not in m.backends  # echo is configured (by the table called fragile)


def test_a_table_for_a_plugin_that_is_not_loaded_says_the_restriction(monkeypatch):
    monkeypatch.setenv("LLMSPELL_LOAD_PLUGINS", "echo")
    m = manager({"box": {"provider_type": "nothere"}})
    assert m.faults["box"].reason.endswith(
        "(LLMSPELL_LOAD_PLUGINS restricts which plugins are loaded.)"
    )


def test_aliases_and_the_type_name_address_the_default_instance():
    m = manager({"mine": {"provider_type": "echo"}})
    assert m.backend("echo").name == "mine"  # the only echo instance
    assert m.backend("brittle").name == "fragile"


def test_an_unknown_provider_type_disables_that_table_only_and_suggests():
    m = manager({"typo": {"provider_type": "echoo"}})
    fault = m.faults["typo"]
    assert fault.bad_input and "Did you mean 'echo'?" in fault.reason
    assert "providers.typo.provider_type is 'echoo'" in fault.reason
    assert m.agent("echo@echo").complete("still works").strip() == "still works"
    with pytest.raises(llmspell.ConfigError, match="echoo") as caught:
        m.agent("x@typo")
    assert caught.value.exit_code == 2
    status = {s.backend: s for s in m.status()}
    assert not status["typo"].healthy and "echoo" in status["typo"].error


def test_an_unset_variable_in_one_table_leaves_the_others_working(monkeypatch):
    monkeypatch.delenv("LLMSPELL_NO_SUCH_KEY", raising=False)
    m = manager({"east": {"provider_type": "remote", "api_key": "${LLMSPELL_NO_SUCH_KEY}"}})
    assert "LLMSPELL_NO_SUCH_KEY" in m.faults["east"].reason
    listing = m.list_models()
    assert "echo/echo" in {x.id for x in listing}
    assert "LLMSPELL_NO_SUCH_KEY" in listing.skipped["east"]
    with pytest.raises(llmspell.ConfigError, match="LLMSPELL_NO_SUCH_KEY"):
        m.list_models("east")


def test_an_exception_in_a_backends_init_disables_it_as_a_runtime_failure():
    m = manager({"fragile": {"base_url": "http://crash:1"}})
    fault = m.faults["fragile"]
    assert not fault.bad_input
    assert fault.reason == "The fragile backend failed to start: RuntimeError: cannot start."
    with pytest.raises(llmspell.BackendUnavailableError) as caught:
        m.backend("fragile")
    assert caught.value.exit_code == 1


def test_exceptions_from_health_and_list_models_stay_inside_the_backend():
    m = manager()
    status = {s.backend: s for s in m.status()}
    assert not status["fragile"].healthy
    assert status["fragile"].error == "ZeroDivisionError: health bug"
    listing = m.list_models()
    assert "echo/echo" in {x.id for x in listing}
    assert "KeyError: 'list bug'" in listing.skipped["fragile"]
    with pytest.raises(llmspell.BackendUnavailableError, match="failed to list its models"):
        m.list_models("fragile")
    assert m.resolve("local/echo").backend.name == "echo"


def test_a_plugin_whose_registration_raises_is_an_error_row_and_others_work():
    m = manager()
    errors = m.registry.plugin_errors
    assert errors["test-broken"] == "ConfigError: my own config is wrong"
    assert errors["test-misuse"].startswith("TypeError: register() takes a llmspell.Backend")
    assert "echo" in m.backends
    echo = next(p for p in m.plugins() if p.name == "echo")
    assert echo.status == "loaded" and echo.backends == ("echo",)


def test_a_broken_table_marks_its_plugin_as_an_error():
    m = manager({"two": {"provider_type": "echo", "timeout_seconds": -1}})
    echo = next(p for p in m.plugins() if p.name == "echo")
    assert echo.status == "error" and [f.name for f in echo.faults] == ["two"]


def test_commands_that_pass_over_a_broken_backend_note_it_once():
    m = manager({"typo": {"provider_type": "echoo"}})
    notes: list[str] = []
    m.on_note = notes.append
    m.resolve("local/echo")
    m.resolve("local/echo")
    assert len(notes) == 1 and notes[0].startswith("typo is disabled: ")


def test_default_backend_may_name_an_alias():
    m = manager(default_backend="brittle")  # the alias of the fragile backend, which is down
    notes: list[str] = []
    m.on_note = notes.append
    assert m.resolve("local/echo").backend.name == "echo"
    assert notes == ["fragile is not available (ZeroDivisionError: health bug); using echo."]


def test_an_unknown_default_backend_is_bad_input_with_a_suggestion():
    with pytest.raises(llmspell.ConfigError) as caught:
        manager(default_backend="ecoh").resolve("local/echo")
    assert str(caught.value).startswith(
        "the configuration: default_backend is 'ecoh', which is not an installed backend"
    )
    assert str(caught.value).endswith("Did you mean 'echo'?")
    with pytest.raises(llmspell.ConfigError, match="default_backend is 'ecoh'"):
        manager(default_backend="ecoh").pull("local/x")


def test_hints_and_import_targets_come_from_the_registered_backends():
    m = manager()
    with pytest.raises(llmspell.ModelNotFoundError) as caught:
        m.resolve("local/ghost")
    assert "@" not in str(caught.value)  # no installed backend here can pull
    with pytest.raises(llmspell.NotSupportedError, match="No installed backend can import"):
        m.import_file("/tmp/x.gguf")


PLUGIN_NAMES = {"gguf", "ollama", "candle", "echo", "openai", "llama_cpp", "huggingface"}


def _code_words(path: Path) -> set[str]:
    """Identifiers and non-docstring string constants of one module, lower-cased."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.add(node.id.lower())
        elif isinstance(node, ast.Attribute):
            words.add(node.attr.lower())
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            words.update(w.lower() for w in _split(node.value) if id(node) not in docstrings)
    return words


def _split(text: str) -> list[str]:
    import re

    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)


@pytest.mark.parametrize("module", sorted(CORE.glob("*.py")), ids=lambda p: p.name)
def test_the_core_names_no_plugin_in_its_code(module):
    assert not _code_words(module) & PLUGIN_NAMES
