"""Fixtures for the GGUF backend's model management: tiny real GGUFs, a local hub, a config."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hf_server import HubServer, serve

TINY_REPO = "test-org/tiny-GGUF"
SMOL_REPO = "test-org/SmolLM2-135M-Instruct-GGUF"
SMOL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def write_tiny_gguf(path: Path, *, f16: bool) -> Path:
    """A real (random-weight) llama GGUF of a few hundred KB, written with the `gguf` package."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(0)
    n_embd, n_head, n_layer, n_ff, ctx = 64, 4, 2, 128, 512
    toks = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["▁hi", "."]
    dtype = np.float16 if f16 else np.float32
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-random-llama")
    w.add_file_type(1 if f16 else 0)
    w.add_context_length(ctx)
    w.add_embedding_length(n_embd)
    w.add_block_count(n_layer)
    w.add_feed_forward_length(n_ff)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("llama")
    w.add_token_list(toks)
    w.add_token_scores([0.0] * len(toks))
    w.add_token_types([2, 3, 3] + [6] * 256 + [1, 1])

    def weights(*shape: int):
        return (rng.standard_normal(shape) * 0.02).astype(dtype)

    w.add_tensor("token_embd.weight", weights(len(toks), n_embd))
    w.add_tensor("output_norm.weight", np.ones(n_embd, np.float32))
    w.add_tensor("output.weight", weights(len(toks), n_embd))
    for i in range(n_layer):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(n_embd, np.float32))
        for t in ("attn_q", "attn_k", "attn_v", "attn_output"):
            w.add_tensor(p + t + ".weight", weights(n_embd, n_embd))
        w.add_tensor(p + "ffn_norm.weight", np.ones(n_embd, np.float32))
        w.add_tensor(p + "ffn_gate.weight", weights(n_ff, n_embd))
        w.add_tensor(p + "ffn_up.weight", weights(n_ff, n_embd))
        w.add_tensor(p + "ffn_down.weight", weights(n_embd, n_ff))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture(scope="session")
def tiny_ggufs(tmp_path_factory) -> dict[str, Path]:
    """Two quantizations of one tiny model, as a GGUF repo would hold them."""
    root = tmp_path_factory.mktemp("tiny-gguf")
    return {
        "F32": write_tiny_gguf(root / "tiny-F32.gguf", f16=False),
        "F16": write_tiny_gguf(root / "tiny-F16.gguf", f16=True),
    }


@pytest.fixture
def hub(tiny_ggufs, smollm2_path, tmp_path, monkeypatch) -> Iterator[HubServer]:
    """A local Hugging Face endpoint with a tiny repo and a SmolLM2 repo, online for this test."""
    import huggingface_hub.constants

    server = HubServer()
    readme = tmp_path / "README.md"
    readme.write_text("# tiny\n")
    for quant, path in tiny_ggufs.items():
        server.add_file(TINY_REPO, f"tiny-{quant}.gguf", path)
    server.add_text(TINY_REPO, "README.md", readme)
    server.add_file(SMOL_REPO, SMOL_FILE, smollm2_path)
    with serve(server) as endpoint:
        monkeypatch.setenv("HF_ENDPOINT", endpoint)
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        # huggingface_hub reads HF_HUB_OFFLINE once, at import: follow the variable here.
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        yield server


@pytest.fixture
def config_file(isolated_home) -> Path:
    """`./llmspell.toml` adding the hub's repos to the GGUF catalog, as a user would."""
    path = isolated_home / "llmspell.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            [providers.gguf.options.catalog."tiny:1m"]
            repo = "{TINY_REPO}"
            files = {{ F16 = "tiny-F16.gguf", F32 = "tiny-F32.gguf" }}
            description = "a tiny random model"

            [providers.gguf.options.catalog."smol:135m"]
            repo = "{SMOL_REPO}"
            files = {{ Q4_1 = "{SMOL_FILE}" }}
            size_bytes = 98362432
            recommended = true
            """
        )
    )
    return path


@pytest.fixture
def manager(config_file):
    from llmspell import Manager

    return Manager()


@pytest.fixture
def model_dir(isolated_home) -> Path:
    return isolated_home / "models" / "gguf"
