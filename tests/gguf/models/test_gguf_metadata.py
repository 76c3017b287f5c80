"""Reading GGUF headers: the facts `info` shows, without loading weights; bad files refused."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llmspell_gguf.metadata import GgufFormatError, read_header


def test_smollm2_header_gives_llama_with_a_chat_template(smollm2_path):
    h = read_header(smollm2_path)
    assert h.architecture == "llama"
    assert h.quantization == "Q4_1"
    assert h.context_length == 8192
    assert h.chat_template is not None and "<|im_start|>" in h.chat_template
    assert h.license == "apache-2.0"
    assert h.parameter_count == 134_515_008  # summed from the tensor table
    d = h.details()
    assert (d["layers"], d["embedding_length"], d["vocab_size"]) == (30, 576, 49152)
    assert h.data_end == smollm2_path.stat().st_size  # the file is complete


def test_gemma3_header_gives_gemma3_without_a_chat_template(gemma3_path):
    h = read_header(gemma3_path)
    assert (h.architecture, h.quantization, h.context_length) == ("gemma3", "Q4_K_M", 32768)
    assert h.chat_template is None
    assert h.license == "gemma"
    assert h.details()["layers"] == 18
    assert 260_000_000 < h.parameter_count < 280_000_000


def test_reading_a_header_imports_no_inference_engine(smollm2_path):
    code = (
        "import sys; from llmspell_gguf.metadata import read_header; "
        f"h = read_header({str(smollm2_path)!r}); "
        "assert h.architecture == 'llama'; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('llama_cpp', 'gguf', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_truncated_model_is_refused_with_a_clear_error(smollm2_path, tmp_path):
    cut = tmp_path / "cut.gguf"
    with open(smollm2_path, "rb") as src:
        cut.write_bytes(src.read(50_000_000))
    with pytest.raises(GgufFormatError, match=r"is truncated: it has 50000000 bytes"):
        read_header(cut)


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(GgufFormatError, match="is not a GGUF model file"):
        read_header(junk)
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(GgufFormatError, match="is not a GGUF model file"):
        read_header(empty)


@pytest.fixture(scope="module")
def smollm2_head(smollm2_path, tmp_path_factory):
    """The first 3 MB of SmolLM2: its whole header (tokens, merges, tensor table) and more."""
    head = tmp_path_factory.mktemp("head") / "head.bin"
    with open(smollm2_path, "rb") as fh:
        head.write_bytes(fh.read(3_000_000))
    return head


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=3_000_000))
def test_any_prefix_of_a_real_model_fails_cleanly(smollm2_head, cut):
    with tempfile.NamedTemporaryFile(suffix=".gguf") as fh:
        fh.write(smollm2_head.read_bytes()[:cut])
        fh.flush()
        with pytest.raises(GgufFormatError):
            read_header(fh.name)
