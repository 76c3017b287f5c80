"""Exit codes 0/1/2/130 and plain one-line errors on stderr, tracebacks only with --debug."""

from __future__ import annotations

from tests.cli.helpers import llmspell


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) <= 2, stderr


def test_unknown_flag_is_a_usage_error_with_a_short_message():
    result = llmspell("model", "list", "--bogus")
    assert result.returncode == 2
    assert "Unknown option" in result.stderr and "--bogus" in result.stderr
    assert "llmspell model list --help" in result.stderr
    assert result.stdout == ""
    _no_traceback(result.stderr)


def test_missing_argument_is_a_usage_error():
    result = llmspell("model", "pull")
    assert result.returncode == 2
    assert "SPEC" in result.stderr
    _no_traceback(result.stderr)


def test_unknown_command_is_a_usage_error():
    result = llmspell("modle")
    assert result.returncode == 2
    assert "modle" in result.stderr
    _no_traceback(result.stderr)


def test_bad_format_value_is_a_usage_error():
    result = llmspell("model", "list", "--format", "xml")
    assert result.returncode == 2
    assert "xml" in result.stderr


def test_missing_model_is_a_runtime_failure_with_a_hint():
    result = llmspell("model", "info", "no-such-model:1b")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ")
    assert "no-such-model:1b" in result.stderr and "pull" in result.stderr
    _no_traceback(result.stderr)


def test_invalid_spec_is_bad_input():
    result = llmspell("model", "info", "smollm2@")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ")
    _no_traceback(result.stderr)


def test_invalid_generation_parameter_is_bad_input():
    result = llmspell("chat", "echo", "--temperature", "-1", input="hi\n")
    assert result.returncode == 2
    assert "temperature" in result.stderr
    _no_traceback(result.stderr)


def test_debug_shows_the_traceback():
    result = llmspell("--debug", "model", "info", "no-such-model:1b")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "ModelNotFoundError" in result.stderr


def test_config_flag_must_name_a_file(tmp_path):
    result = llmspell("--config", str(tmp_path / "missing.toml"), "model", "status")
    assert result.returncode == 2
    assert "missing.toml" in result.stderr and "not a file" in result.stderr
    _no_traceback(result.stderr)


def test_config_flag_is_used(tmp_path):
    config = tmp_path / "custom.toml"
    config.write_text("[providers.echo]\nenabled = false\n")
    without = llmspell("model", "status", "--format", "json")
    assert '"backend": "echo"' in without.stdout
    result = llmspell("--config", str(config), "model", "status", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"backend": "echo"' not in result.stdout


def test_config_errors_name_the_file_and_exit_2(tmp_path):
    config = tmp_path / "broken.toml"
    config.write_text("default_backend = \n")
    result = llmspell("--config", str(config), "model", "list")
    assert result.returncode == 2
    assert "broken.toml" in result.stderr
    _no_traceback(result.stderr)


def test_config_from_environment_is_checked_too(tmp_path):
    result = llmspell("model", "list", env={"LLMSPELL_CONFIG": str(tmp_path / "gone.toml")})
    assert result.returncode == 2
    assert "LLMSPELL_CONFIG" in result.stderr


def test_config_flag_reaches_plugin_code_through_the_environment(cli, tmp_path):
    import os

    config = tmp_path / "custom.toml"
    config.write_text("auto_pull_missing = false\n")
    code, _, _ = cli("--config", str(config), "model", "status")
    assert code == 0
    assert os.environ["LLMSPELL_CONFIG"] == str(config.resolve())


def test_debug_turns_on_logging(tmp_path):
    config = tmp_path / "llmspell.toml"
    config.write_text("auto_pull_missing = false\n")
    result = llmspell("model", "list", "--debug", "--config", str(config))
    assert result.returncode == 0
    assert "DEBUG llmspell.cli: command line: model list" in result.stderr
    assert f"DEBUG llmspell.cli: configuration: {config}" in result.stderr
    assert "DEBUG" not in llmspell("model", "list").stderr
