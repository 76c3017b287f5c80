"""`auto_start`: launch `ollama serve` in the background and wait until it answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from llmspell import BackendUnavailableError
from llmspell.paths import llmspell_home

from .client import host_port


def serve_log_path() -> Path:
    return llmspell_home() / "logs" / "ollama-serve.log"


def start_ollama_serve(
    endpoint: str, *, timeout: float, is_up: Callable[[], bool]
) -> subprocess.Popen[bytes]:
    """Start `ollama serve` bound to `endpoint`'s host and port; return once `is_up()`.

    The server outlives llmspell on purpose (it is Ollama's normal way of running); its
    output goes to a log file under the llmspell home, which errors point to.
    """
    exe = shutil.which("ollama")
    if exe is None:
        raise BackendUnavailableError(
            f"Ollama is not running at {endpoint} and auto_start found no 'ollama' program on "
            "PATH. Install it with 'llmspell model install-ollama'."
        )
    host, port = host_port(endpoint)
    log_path = serve_log_path()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OLLAMA_HOST=f"{host}:{port}")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [exe, "serve"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise BackendUnavailableError(
                f"'ollama serve' exited with code {code} before answering at {endpoint}; "
                f"see {log_path}."
            )
        if is_up():
            return process
        time.sleep(0.1)
    process.terminate()  # a server we cannot use would hold the port for the next try
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    raise BackendUnavailableError(
        f"'ollama serve' was started but did not answer at {endpoint} within {timeout:g} s, "
        f"so llmspell stopped it; see {log_path}."
    )
