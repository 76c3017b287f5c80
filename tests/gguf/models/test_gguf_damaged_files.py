"""Damaged GGUFs are refused before llama.cpp sees them, and what still aborts it is explained."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import gguf
import pytest
from llmspell import BadInputError, DownloadError, Manager

from tests.cli.helpers import llmspell
from tests.gguf.models.conftest import write_tiny_gguf


def with_block_count(src: Path, dst: Path, count: int) -> Path:
    """A copy of `src` whose header claims `count` blocks (the tensors stay as they are)."""
    field = gguf.GGUFReader(str(src)).fields["llama.block_count"]
    offset = field.offset + sum(p.nbytes for p in field.parts[:-1])
    data = bytearray(src.read_bytes())
    struct.pack_into("<I", data, offset, count)
    dst.write_bytes(data)
    return dst


@pytest.fixture
def lying(tiny_ggufs, tmp_path) -> Path:
    """The tiny 2-block model, claiming 1000 blocks (llama.cpp aborts above 512)."""
    return with_block_count(tiny_ggufs["F16"], tmp_path / "lying-F16.gguf", 1000)


def test_import_refuses_a_header_that_disagrees_with_its_tensors(lying):
    with pytest.raises(BadInputError) as caught:
        Manager().import_file(str(lying), "lying:1")
    assert str(caught.value) == (
        f"{lying} is damaged: its llama.block_count is 1000 but it holds tensors for 2 blocks. "
        "Delete it and pull or copy the model again (llama.cpp would fail or crash on it)."
    )
    assert list(Manager().list_models("gguf")) == []


@pytest.mark.parametrize("claimed", [1, 3])
def test_a_block_count_off_by_one_is_refused_too(tiny_ggufs, tmp_path, claimed):
    bad = with_block_count(tiny_ggufs["F16"], tmp_path / "off.gguf", claimed)
    with pytest.raises(BadInputError, match=f"block_count is {claimed} but it holds tensors for 2"):
        Manager().import_file(str(bad), "off:1")


def test_pull_refuses_a_damaged_file_from_the_hub_and_installs_nothing(
    hub, manager, model_dir, lying
):
    hub.add_file("test-org/lying-GGUF", "lying-F16.gguf", lying)
    with pytest.raises(DownloadError) as caught:
        manager.pull("gguf/hf.co/test-org/lying-GGUF:F16")
    assert str(caught.value) == (
        "test-org/lying-GGUF/lying-F16.gguf is damaged: its llama.block_count is 1000 but it "
        "holds tensors for 2 blocks; nothing was installed. Pull another quantization, or tell "
        "the repo's owner."
    )
    assert list(manager.list_models("gguf")) == []
    assert [p.name for p in model_dir.iterdir()] == [".locks"]


def test_a_tensor_whose_data_lies_past_the_end_is_truncation(tiny_ggufs, tmp_path):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_ggufs["F32"].read_bytes()[:-1000])
    with pytest.raises(BadInputError, match=r"is truncated: it has \d+ bytes but its tensors need"):
        Manager().import_file(str(cut), "cut:1")


def test_a_20_byte_file_is_called_truncated_not_a_wrong_magic(tiny_ggufs, tmp_path):
    short = tmp_path / "short.gguf"
    short.write_bytes(tiny_ggufs["F32"].read_bytes()[:20])
    with pytest.raises(BadInputError) as caught:
        Manager().import_file(str(short), "short:1")
    assert str(caught.value) == (
        f"{short} is truncated: it has only 20 bytes, less than a GGUF header. "
        "Delete it and pull or copy the model again."
    )


def test_an_empty_file_is_called_empty(tmp_path):
    empty = tmp_path / "empty.gguf"
    empty.touch()
    with pytest.raises(BadInputError, match=r"empty\.gguf is empty: it is not a GGUF model file\."):
        Manager().import_file(str(empty), "empty:1")


def test_a_model_that_still_aborts_llama_cpp_names_the_file_and_the_reason(tmp_path, monkeypatch):
    """Passes every header check, then fails an assertion inside llama.cpp's loader."""

    def more_experts_used_than_exist(self, n):
        add_block_count(self, n)
        self.add_uint32("llama.expert_count", 2)
        self.add_uint32("llama.expert_used_count", 4)

    add_block_count = gguf.GGUFWriter.add_block_count
    monkeypatch.setattr(gguf.GGUFWriter, "add_block_count", more_experts_used_than_exist)
    model = write_tiny_gguf(tmp_path / "experts.gguf", f16=True)
    assert llmspell("model", "import", str(model), "--name", "experts:1").returncode == 0

    code = "from llmspell import Manager; Manager().agent('experts:1'); print('survived')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert (result.returncode, result.stdout) == (1, "")
    path = shutil.os.path.realpath(Manager().info("experts:1").path)
    assert (
        f"Error: llama.cpp aborted while loading {path}: GGML_ASSERT(n_expert_used_max <= "
        "hparams.n_expert) failed. The file is damaged or needs a newer llama-cpp-python: "
        "pull it again, or pip install -U llama-cpp-python."
    ) in result.stderr
