"""Talking to kernels in tests: the `llmspell` command, and a cell runner that records
every iopub message with its arrival time."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import attrs

LLMSPELL = str(Path(sys.executable).parent / "llmspell")
KERNEL_ID = "session"
SMOLLM2 = "local/smollm2:135m@gguf"


@attrs.frozen
class Kernel:
    id: str
    pid: int
    connection_file: Path
    home: Path
    env: dict[str, str]


def isolated_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLMSPELL_", "PYTEST_"))}
    env.update(
        LLMSPELL_HOME=str(home),
        OLLAMA_HOST="http://127.0.0.1:9",
        OLLAMA_MODELS=str(home / "no-ollama-store"),
        HF_HUB_OFFLINE="1",
        HF_HOME=str(home / "hf-home"),
        PYTHONUNBUFFERED="1",
    )
    return env


def llmspell(
    *args: str,
    env: dict[str, str] | None = None,
    input: str = "",
    timeout: float = 120,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LLMSPELL, *args],
        input=input,
        capture_output=True,
        text=True,
        env=env if env is not None else {**os.environ},
        timeout=timeout,
        cwd=cwd,
    )


@attrs.define
class Cell:
    reply: dict[str, Any]
    messages: list[tuple[float, dict[str, Any]]]

    @property
    def stdout(self) -> str:
        return "".join(
            m["content"]["text"]
            for _, m in self.messages
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
        )

    def of_type(self, msg_type: str) -> list[dict[str, Any]]:
        return [m for _, m in self.messages if m["msg_type"] == msg_type]


def run_cell(kc: Any, code: str, timeout: float = 120, metadata: dict | None = None) -> Cell:
    """Execute `code`, collect its iopub messages (with arrival times) until idle."""
    msg = kc.session.msg(
        "execute_request",
        {"code": code, "silent": False, "store_history": True, "user_expressions": {},
         "allow_stdin": False, "stop_on_error": False},
        metadata=metadata or {},
    )  # fmt: skip
    kc.shell_channel.send(msg)
    return collect(kc, msg["header"]["msg_id"], timeout)


def collect(kc: Any, msg_id: str, timeout: float = 120) -> Cell:
    messages: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + timeout
    while True:
        got = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if got["parent_header"].get("msg_id") != msg_id:
            continue
        if got["msg_type"] == "status" and got["content"]["execution_state"] == "idle":
            break
        messages.append((time.monotonic(), got))
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            return Cell(reply["content"], messages)


def send(kc: Any, msg_type: str, content: dict[str, Any], timeout: float = 120) -> Cell:
    msg = kc.session.msg(msg_type, content)
    kc.shell_channel.send(msg)
    return collect(kc, msg["header"]["msg_id"], timeout)


def model_loads(kernel: Kernel) -> int:
    """How many times llama.cpp built a context in the kernel (its --debug log says so)."""
    log = kernel.home / "kernels" / f"{kernel.id}.log"
    return log.read_text(errors="replace").count("llama_context: constructing llama_context")
