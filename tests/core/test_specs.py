"""Model specifiers: `[<provider>/]<model>[:<variant>][@<backend>]`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from llmspell import ModelSpec, SpecError, UnknownBackendError, parse_spec

BACKENDS = ("ollama", "gguf")
ALIASES = {"candle": "gguf"}

CASES = [
    ("local/llama3.1:8b", ModelSpec("llama3.1", "8b", "local", None)),
    ("local/llama3.1:8b@ollama", ModelSpec("llama3.1", "8b", "local", "ollama")),
    ("local/mistral:7b@gguf", ModelSpec("mistral", "7b", "local", "gguf")),
    ("llama3.1:8b@ollama", ModelSpec("llama3.1", "8b", None, "ollama")),
    ("ollama/phi3:3.8b", ModelSpec("phi3", "3.8b", "ollama", None)),
    ("gguf/smollm2:135m", ModelSpec("smollm2", "135m", "gguf", None)),
    ("gguf/hf.co/owner/repo:Q4_K_M", ModelSpec("hf.co/owner/repo", "Q4_K_M", "gguf", None)),
    ("user/model:tag", ModelSpec("user/model", "tag", None, None)),
    ("hf.co/owner/repo", ModelSpec("hf.co/owner/repo", None, None, None)),
    ("smollm2:135m@candle", ModelSpec("smollm2", "135m", None, "gguf")),
    ("candle/smollm2:135m", ModelSpec("smollm2", "135m", "gguf", None)),
    ("  phi3  ", ModelSpec("phi3", None, None, None)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parses_the_grammar(text, expected):
    assert parse_spec(text, BACKENDS, ALIASES) == expected


def test_target_backend_comes_from_at_or_a_backend_prefix():
    assert parse_spec("local/x@ollama", BACKENDS).target_backend == "ollama"
    assert parse_spec("gguf/x", BACKENDS).target_backend == "gguf"
    assert parse_spec("local/x", BACKENDS).target_backend is None
    assert parse_spec("user/x", BACKENDS).target_backend is None


def test_name_is_what_the_backend_knows():
    assert parse_spec("local/llama3.1:8b@ollama", BACKENDS).name == "llama3.1:8b"
    assert parse_spec("gguf/hf.co/o/r:Q8_0", BACKENDS).name == "hf.co/o/r:Q8_0"


def test_a_backend_prefix_counts_only_when_installed():
    spec = parse_spec("ollama/phi3", backends=("gguf",))
    assert spec == ModelSpec("ollama/phi3")


BAD = [
    ("", SpecError, "empty"),
    ("   ", SpecError, "empty"),
    ("model@", SpecError, "nothing after '@'"),
    ("@gguf", SpecError, "no model"),
    ("local/x@nope", UnknownBackendError, "installed: ollama, gguf"),
    ("local/x@olama", UnknownBackendError, "Did you mean 'ollama'"),
    ("../etc/passwd", SpecError, "'..'"),
    ("local/a/../../b", SpecError, "'..'"),
    ("/etc/passwd", SpecError, "file path"),
    ("C:/models/x", SpecError, "file path"),
    ("a\\b", SpecError, "file path"),
    ("local/", SpecError, "names no model"),
    ("x:", SpecError, "variant"),
    ("ollama/x@gguf", SpecError, "two backends"),
    ("has space", SpecError, "letters, digits"),
]


@pytest.mark.parametrize(("text", "error", "fragment"), BAD)
def test_rejects_bad_specs_with_the_grammar_or_a_suggestion(text, error, fragment):
    with pytest.raises(error) as caught:
        parse_spec(text, BACKENDS, ALIASES)
    message = str(caught.value)
    assert fragment in message
    assert "<model>" in message or "installed" in message


def test_bad_input_errors_map_to_exit_code_2():
    with pytest.raises(SpecError) as caught:
        parse_spec("")
    assert caught.value.exit_code == 2


segment = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,10}", fullmatch=True).filter(
    lambda s: s not in BACKENDS and s != "local" and s != "candle"
)
variant = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,8}", fullmatch=True)


@given(
    model=st.lists(segment, min_size=1, max_size=3).map("/".join),
    variant=st.none() | variant,
    provider=st.sampled_from([None, "local", "ollama", "gguf"]),
    backend=st.sampled_from([None, "ollama", "gguf"]),
)
def test_format_then_parse_round_trips(model, variant, provider, backend):
    if provider in BACKENDS and backend not in (None, provider):
        backend = provider
    spec = ModelSpec(model, variant, provider, backend)
    assert parse_spec(str(spec), BACKENDS, ALIASES) == spec


@given(st.text(max_size=30))
def test_parse_never_fails_with_anything_but_a_spec_error(text):
    try:
        spec = parse_spec(text, BACKENDS, ALIASES)
    except (SpecError, UnknownBackendError):
        return
    assert ".." not in spec.model.split("/")
    assert not spec.model.startswith("/")
