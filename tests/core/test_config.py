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
    assert config.provider("gguf").enabled is True


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
    assert config.provider("ollama").base_url == "http://box:11434"
    assert config.provider("ollama").timeout_seconds == 30.0
    assert config.provider("ollama").options == {"auto_start": False}
    assert config.provider("gguf").enabled is False  # found by provider_type
    assert config.provider_key("gguf") == "local_gguf"


def test_variables_are_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("MODELS_ROOT", "/data/models")
    path = write(
        tmp_path / "c.toml",
        '[providers.gguf.options]\nmodel_directory = "${MODELS_ROOT}/gguf"\n',
    )
    assert load_config(path).provider("gguf").options["model_directory"] == "/data/models/gguf"


@attrs.define(kw_only=True)
class DemoOptions:
    context_size: int = 4096
    flash_attention: bool = True


BAD = [
    ("default_backend = \n[x]", "is not valid TOML", "line 1"),
    ("bogus = 1", "unknown key bogus", "(top level)"),
    ("[providers.gguf]\nfoo = 1", "unknown key foo", "providers.gguf"),
    (
        "[providers.gguf]\ntimeout_seconds = 'soon'",
        "expected float, got str 'soon'",
        "timeout_seconds",
    ),
    ("auto_pull_missing = 'yes'", "expected bool", "auto_pull_missing"),
    ("[providers.x]\nbase_url = '${LLMSPELL_UNSET_VAR}'", "LLMSPELL_UNSET_VAR", "is not set"),
]


@pytest.mark.parametrize(("text", "problem", "where"), BAD)
def test_bad_files_name_the_file_the_key_and_the_expectation(tmp_path, text, problem, where):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message and problem in message and where in message
    assert caught.value.exit_code == 2


def test_backend_options_are_typed_by_the_backend(tmp_path):
    path = write(tmp_path / "c.toml", "[providers.demo.options]\ncontext_size = '4k'\n")
    config = load_config(path)
    with pytest.raises(ConfigError, match=r"providers\.demo\.options\.context_size: expected int"):
        config.provider_options("demo", DemoOptions)
    assert Config().provider_options("demo", DemoOptions) == DemoOptions()
