"""`llmspell.toml`: discovery, expansion, typing, and errors that name file, key and expectation."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from llmspell import Config, ConfigError, load_config
from llmspell.config import find_config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_file_at_all_is_the_default_config(isolated_home):
    config = load_config()
    assert config.source is None
    assert config.default_backend is None
    assert config.auto_pull_missing is False
    assert config.providers == {}


def test_discovery_order_is_flag_then_env_then_cwd_then_home(isolated_home, tmp_path, monkeypatch):
    home_file = write(isolated_home / "config.toml", 'default_backend = "home"')
    assert find_config() == home_file
    cwd_file = write(isolated_home / "llmspell.toml", 'default_backend = "cwd"')
    assert find_config() == cwd_file
    env_file = write(tmp_path / "env.toml", 'default_backend = "env"')
    monkeypatch.setenv("LLMSPELL_CONFIG", str(env_file))
    assert find_config() == env_file
    flag_file = write(tmp_path / "flag.toml", 'default_backend = "flag"')
    assert load_config(flag_file).default_backend == "flag"


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match=r"--config names .*missing\.toml"):
        load_config(tmp_path / "missing.toml")
    monkeypatch.setenv("LLMSPELL_CONFIG", str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match="LLMSPELL_CONFIG"):
        load_config()


def test_provider_tables_are_typed(tmp_path):
    path = write(
        tmp_path / "c.toml",
        """
        default_backend = "ollama"
        auto_pull_missing = true
        [providers.ollama]
        provider_type = "ollama"
        base_url = "http://box:11434"
        timeout_seconds = 30
        [providers.ollama.options]
        auto_start = false
        [providers.local_gguf]
        provider_type = "gguf"
        enabled = false
        """,
    )
    config = load_config(path)
    assert config.default_backend == "ollama" and config.auto_pull_missing
    assert config.table("ollama").base_url == "http://box:11434"
    assert config.table("ollama").timeout_seconds == 30.0
    assert config.table("ollama").options == {"auto_start": False}
    assert config.table("local_gguf").provider_type == "gguf"
    assert config.table("local_gguf").enabled is False


def test_variables_are_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELS_ROOT", "/data/models")
    path = write(
        tmp_path / "c.toml",
        '[providers.gguf.options]\nmodel_directory = "${MODELS_ROOT}/gguf"\n',
    )
    assert load_config(path).table("gguf").options["model_directory"] == "/data/models/gguf"


@attrs.define(kw_only=True)
class DemoOptions:
    context_size: int = 4096
    flash_attention: bool = True


BAD = [
    ("default_backend = \n[x]", "is not valid TOML", "line 1"),
    ("bogus = 1", "unknown key bogus", "(top level)"),
    ("auto_pull_missing = 'yes'", "expected bool", "auto_pull_missing"),
    ("providers = 3", "expected", "providers"),
]


@pytest.mark.parametrize(("text", "problem", "where"), BAD)
def test_bad_files_name_the_file_the_key_and_the_expectation(tmp_path, text, problem, where):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and problem in message and where in message
    assert caught.value.exit_code == 2


BAD_TABLES = [
    ("[providers.gguf]\nfoo = 1", "unknown key foo", "providers.gguf"),
    (
        "[providers.gguf]\ntimeout_seconds = 'soon'",
        "expected float, got str 'soon'",
        "providers.gguf.timeout_seconds",
    ),
    ("[providers.gguf]\nbase_url = '${LLMSPELL_UNSET_VAR}'", "LLMSPELL_UNSET_VAR", "is not set"),
    ("[providers.gguf]\ntimeout_seconds = 0", "must be more than 0 seconds, got 0", "gguf"),
    ("[providers.gguf]\ntimeout_seconds = -1", "must be more than 0 seconds, got -1", "gguf"),
    ("[providers.gguf]\nbase_url = 'not a url'", "must be an http:// or https:// URL", "gguf"),
    ("[providers.gguf]\nbase_url = 'http://h:99999'", "got 'http://h:99999'", "base_url"),
    ("[providers.gguf]\ntimeout_seconds = nan", "expected a finite number, got nan", "gguf"),
    ("[providers.gguf]\ntimeout_seconds = inf", "expected a finite number, got inf", "gguf"),
]


@pytest.mark.parametrize(("text", "problem", "where"), BAD_TABLES)
def test_a_bad_provider_table_is_reported_when_its_backend_is_built(tmp_path, text, problem, where):
    path = write(tmp_path / "bad.toml", text)
    config = load_config(path)  # the rest of the file stays usable
    with pytest.raises(ConfigError) as caught:
        config.table("gguf")
    message = str(caught.value)
    assert str(path) in message and problem in message and where in message
    assert caught.value.exit_code == 2


def test_backend_options_are_typed_with_the_class_the_backend_declares(tmp_path, monkeypatch):
    monkeypatch.setenv("LLMSPELL_TEST_KEY", "sk-123")
    path = write(
        tmp_path / "c.toml",
        "[providers.demo]\napi_key = '${LLMSPELL_TEST_KEY}'\n"
        "[providers.demo.options]\ncontext_size = 8192\n",
    )
    settings = load_config(path).settings("demo", "demo-type", DemoOptions)
    assert settings.options == DemoOptions(context_size=8192)
    assert (settings.name, settings.type_name, settings.api_key) == ("demo", "demo-type", "sk-123")
    assert settings.source == path and "sk-123" not in repr(settings)
    assert Config().settings("demo", "demo-type", DemoOptions).options == DemoOptions()
    assert Config().settings("demo", "demo-type", None).options == {}


def test_bad_backend_options_name_the_table_and_key(tmp_path):
    path = write(tmp_path / "c.toml", "[providers.demo.options]\ncontext_size = '4k'\n")
    with pytest.raises(ConfigError, match=r"providers\.demo\.options\.context_size: expected int"):
        load_config(path).settings("demo", "demo", DemoOptions)
    with pytest.raises(ConfigError, match=r"providers\.demo\.options: the demo backend takes no"):
        load_config(path).settings("demo", "demo", None)
