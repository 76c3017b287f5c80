"""Real models for the inference tests, loaded once per session through the shared loader.

The options are the backend's defaults, so tests that go through a `Manager` reuse the
same loaded models instead of loading them again.
"""

from __future__ import annotations

import pytest
from llmspell_gguf.loader import LoadedModel, LoadOptions
from llmspell_gguf.options import GgufOptions
from llmspell_gguf.provider import GgufProvider


@pytest.fixture(scope="session")
def load_options() -> LoadOptions:
    return LoadOptions.from_options(GgufOptions())


@pytest.fixture(scope="session")
def smollm2(smollm2_path, load_options) -> GgufProvider:
    return GgufProvider("smollm2:135m", smollm2_path, load_options)


@pytest.fixture(scope="session")
def gemma3(gemma3_path, load_options) -> GgufProvider:
    return GgufProvider("gemma3:270m", gemma3_path, load_options)


@pytest.fixture
def smollm2_loaded(smollm2, load_options) -> LoadedModel:
    from llmspell_gguf import loader

    return loader.acquire(smollm2.path, load_options)
