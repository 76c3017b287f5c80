"""Sizes, dates and tables as people read them."""

from __future__ import annotations

import pytest
from llmspell_cli.formatting import (
    human_count,
    human_size,
    iso_time,
    key_values,
    relative_time,
    table,
)


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (None, "-"),
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 KB"),
        (98_000_000, "98.0 MB"),
        (103_000_000, "103.0 MB"),
        (4_661_224_676, "4.7 GB"),
        (2 * 10**15, "2.0 PB"),
    ],
)
def test_sizes_are_decimal_like_ollama(size, text):
    assert human_size(size) == text


@pytest.mark.parametrize(
    ("age", "text"),
    [
        (5, "just now"),
        (60, "1 minute ago"),
        (150, "2 minutes ago"),
        (3600, "1 hour ago"),
        (2 * 86400 + 5, "2 days ago"),
        (29 * 86400, "29 days ago"),
    ],
)
def test_recent_dates_are_relative(age, text):
    now = 1_780_000_000.0
    assert relative_time(now - age, now=now) == text


def test_old_and_future_dates_are_iso():
    now = 1_780_000_000.0
    assert relative_time(now - 40 * 86400, now=now) == "2026-04-18"
    assert relative_time(now + 3600, now=now) == "2026-05-28"
    assert relative_time(None) == "-"
    assert iso_time(1_780_000_000.5) == "2026-05-28T20:26:40Z"


def test_parameter_counts():
    assert human_count(134_515_008) == "135M"
    assert human_count(8_030_261_248) == "8.0B"
    assert human_count(None) == "-"


def test_tables_align_columns_and_show_unknowns_as_dashes():
    text = table(["name", "size"], [["smollm2:135m", "98.0 MB"], ["echo", None]])
    assert text.splitlines() == [
        "NAME           SIZE",
        "smollm2:135m   98.0 MB",
        "echo           -",
    ]


def test_key_values_indent_values_of_several_lines():
    text = key_values([("template", "{{ .Prompt }}\n{{ .Response }}\n"), ("size", "98.0 MB")])
    assert text.splitlines() == [
        "template   {{ .Prompt }}",
        "           {{ .Response }}",
        "size       98.0 MB",
    ]


def test_key_values_skip_unknowns():
    assert key_values([("model", "gguf/x"), ("license", None), ("context length", 8192)]) == (
        "model            gguf/x\ncontext length   8192"
    )


def test_paths_under_home_are_shown_with_a_tilde(monkeypatch, tmp_path):
    from llmspell_cli.formatting import display_path

    monkeypatch.setenv("HOME", str(tmp_path))
    assert display_path(tmp_path / ".llmspell" / "m.gguf") == "~/.llmspell/m.gguf"
    assert display_path("/opt/models/m.gguf") == "/opt/models/m.gguf"
    assert display_path(str(tmp_path) + "x/m.gguf") == str(tmp_path) + "x/m.gguf"
    assert display_path(None) is None
