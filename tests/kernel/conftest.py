"""One real kernel process for the whole kernel test session (SmolLM2 loads in it once).

It is started the way a user starts one (`llmspell kernel start --daemon`), in its own
`LLMSPELL_HOME`; tests talk to it with jupyter_client's `BlockingKernelClient` or through
the `llmspell` command with `--connect`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient

from tests.kernel.helpers import KERNEL_ID, Kernel, isolated_env, llmspell


@pytest.fixture(scope="session")
def kernel_home(tmp_path_factory, smollm2_path) -> Path:
    home = tmp_path_factory.mktemp("kernel-home")
    env = isolated_env(home)
    done = llmspell(
        "model", "import", str(smollm2_path), "--name", "smollm2:135m", "--link", env=env
    )
    assert done.returncode == 0, done.stderr
    return home


@pytest.fixture(scope="session")
def kernel(kernel_home) -> Iterator[Kernel]:
    env = isolated_env(kernel_home)
    done = llmspell("--debug", "kernel", "start", "--daemon", "--id", KERNEL_ID, env=env)
    assert done.returncode == 0, done.stderr
    record = json.loads((kernel_home / "kernels" / f"{KERNEL_ID}.kernel.json").read_text())
    yield Kernel(KERNEL_ID, record["pid"], Path(record["connection_file"]), kernel_home, env)
    llmspell("kernel", "stop", "--all", env=env)


@pytest.fixture
def kc(kernel) -> Iterator[BlockingKernelClient]:
    """A fresh client (its own session, so its own Lua globals) on the session's kernel."""
    client = BlockingKernelClient()
    client.load_connection_file(str(kernel.connection_file))
    client.start_channels()
    client.wait_for_ready(timeout=30)
    yield client
    client.stop_channels()


@pytest.fixture
def in_kernel_home(kernel, monkeypatch) -> Kernel:
    """Point this test's own `llmspell` calls at the kernel's home (ids resolve there)."""
    for key in ("LLMSPELL_HOME", "OLLAMA_HOST", "OLLAMA_MODELS", "HF_HUB_OFFLINE", "HF_HOME"):
        monkeypatch.setenv(key, kernel.env[key])
    return kernel


@pytest.fixture
def plugin_path(tmp_path) -> Path:
    """PYTHONPATH holding the CLI tests' `scripted` plugin (a slow, resumable pull)."""
    from tests.support.entry_points import write_plugin

    root = tmp_path / "plugins"
    source = (Path(__file__).parents[1] / "cli" / "plugin_scripted.py").read_text()
    write_plugin(root, "llmspell-scripted", "llmspell_scripted", source, entry="scripted")
    return root
