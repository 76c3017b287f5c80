"""The token loop: llama.cpp decodes and samples, Python only turns each token into text.

llama-cpp-python's `create_completion(stream=True)` detokenizes the whole completion again
at every token, so its Python cost per token grows with the reply. llmspell calls
`llama_decode` and the native sampler chain directly and decodes each token's bytes once,
through an incremental UTF-8 decoder (a character split across tokens waits for its last
byte) and a stop-string scanner that holds back only what could start a stop string. The
cost per token is constant, and the prompt reuses whatever prefix the context already holds
(a chat's earlier turns are not evaluated again). Concurrent generations on one model are
decoded together in one batch per step: see `batching`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .batching import Outcome
from .loader import LoadedModel
from .sampling import Sampling

__all__ = ["Outcome", "generate"]


def generate(
    model: LoadedModel, prompt: list[int], sampling: Sampling, outcome: Outcome
) -> Iterator[str]:
    """Yield the reply's text piece by piece; `outcome` is complete when it ends.

    The sequence is admitted now (waiting for room if the model is busy), so a prompt too
    long for the context fails here rather than at the first `next()`.
    """
    batcher = model.batcher
    sequence = batcher.open(prompt, sampling, outcome)
    return batcher.pieces(sequence)
