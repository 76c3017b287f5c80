"""`[providers.ollama.options]`: values that cannot work are refused, for that backend only."""

from __future__ import annotations

import pytest
from llmspell import ConfigError, load_config
from llmspell_ollama.options import OllamaOptions


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("connect_timeout_seconds = 0", "expected connect_timeout_seconds to be more than 0"),
        ("start_timeout_seconds = -5", "expected start_timeout_seconds to be more than 0"),
        ("num_ctx = 0", "expected num_ctx to be more than 0, got 0"),
        ("connect_timeout_seconds = nan", "expected a finite number, got nan"),
    ],
)
def test_impossible_options_are_config_errors(isolated_home, line, said):
    (isolated_home / "llmspell.toml").write_text(f"[providers.ollama.options]\n{line}\n")
    with pytest.raises(ConfigError, match=said):
        load_config().settings("ollama", "ollama", OllamaOptions)
