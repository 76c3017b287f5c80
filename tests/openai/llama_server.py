"""llama-cpp-python's own OpenAI-compatible server (`python -m llama_cpp.server`), started
on 127.0.0.1 with the real SmolLM2 model, for testing the openai backend end to end.

Its API is FastAPI: `GET /v1/models`, `POST /v1/chat/completions` (SSE when streaming,
ending with `data: [DONE]`), `Authorization: Bearer KEY` checked when started with
`--api_key` (401 otherwise). It ignores request fields it does not know (pydantic's
default), so `stream_options.include_usage` gets no usage chunk: a real server of the
"usage unknown" kind.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

#: The model's id on the server: a Hugging Face style id, with a slash, as vLLM reports.
MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """One `python -m llama_cpp.server` process; `with LlamaServer(path) as s: s.url`."""

    def __init__(self, model_path: Path, *, api_key: str | None = None, log_dir: Path):
        self.model_path = model_path
        self.api_key = api_key
        self.port = free_port()
        self.log_path = log_dir / f"llama-server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120.0) -> LlamaServer:
        args = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(self.model_path),
            "--model_alias",
            MODEL_ID,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "1",
            "--verbose",
            "False",
        ]
        if self.api_key:
            args += ["--api_key", self.api_key]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"llama_cpp.server exited with {self.process.returncode}:\n"
                    + self.log_path.read_text(errors="replace")[-3000:]
                )
            if self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not answer within {timeout:g} s")

    def _answers(self) -> bool:
        request = urllib.request.Request(self.url + "/models")
        if self.api_key:
            request.add_header("Authorization", f"Bearer {self.api_key}")
        try:
            with urllib.request.urlopen(request, timeout=1) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-whatever, as a crashed or OOM-killed one does."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
