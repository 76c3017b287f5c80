"""Pull throughput from a local Hugging Face endpoint: llmspell against `hf_hub_download`.

The endpoint is the test suite's hub (`tests/support/hf_server.py`: the hub API plus its LFS
CDN, real headers, real bytes) serving the SmolLM2 file, run in a process of its own so it
competes with neither client for the GIL. Every client runs in a fresh process with empty
caches and an empty model directory (no package or cache shortcut can apply). `Manager().pull`
and `hf_hub_download` are timed around the call, huggingface_hub already imported on both
sides; `llmspell model pull` and a `python -c "hf_hub_download(...)"` process are timed from
start to exit. The runs alternate.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import (
    PYTHON,
    REPO,
    Home,
    Row,
    Section,
    Settings,
    llmspell_command,
    median,
    model_path,
)
from drivers import describe_exception

HUB_REPO = "bench-org/SmolLM2-135M-Instruct-GGUF"
HUB_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SPEC = f"gguf/hf.co/{HUB_REPO}:Q4_1"

SERVER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from tests.support.hf_server import HubServer, serve
hub = HubServer()
hub.add_file(sys.argv[2], sys.argv[3], Path(sys.argv[4]))
with serve(hub) as endpoint:
    print(endpoint, flush=True)
    sys.stdin.read()
"""

# Both timed calls start with huggingface_hub imported (its import is not transfer time).
API_PULL = """
import json, sys, time
import huggingface_hub.file_download, huggingface_hub.hf_api
from llmspell import Manager
manager = Manager()
manager.backend("gguf")
start = time.perf_counter()
model = manager.pull(sys.argv[1])
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "size": model.model.path.stat().st_size}))
"""

HF_DOWNLOAD = """
import json, os, sys, time
import huggingface_hub.file_download, huggingface_hub.hf_api
from huggingface_hub import hf_hub_download
start = time.perf_counter()
path = hf_hub_download(sys.argv[1], sys.argv[2], cache_dir=sys.argv[3])
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "size": os.path.getsize(path)}))
"""


class Hub:
    def __init__(self, home: Home) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-c", SERVER, str(REPO), HUB_REPO, HUB_FILE, str(model_path())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=home.env,
        )
        self.endpoint = self.proc.stdout.readline().strip()
        if not self.endpoint.startswith("http"):
            self.proc.kill()
            raise RuntimeError(f"the hub test server did not start: {self.proc.stderr.read()}")

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _client_env(home: Home, scratch: Path, endpoint: str) -> dict[str, str]:
    return {
        **home.env,
        "LLMSPELL_HOME": str(scratch / "home"),
        "HF_HOME": str(scratch / "hf-home"),
        "HF_ENDPOINT": endpoint,
        "HF_HUB_OFFLINE": "0",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, dict | None]:
    """(wall seconds, the JSON the process printed last, if any)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        shown = " ".join(Path(a).name if a.startswith("/") else a[:40] for a in argv[:3])
        raise RuntimeError(f"`{shown} …` exited {proc.returncode}: {proc.stderr[-400:]}")
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    return wall, json.loads(last) if last.startswith("{") else None


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("Pull from a local Hugging Face endpoint")
    reps = 2 if settings.quick else 5
    size_mb = model_path().stat().st_size / 1e6
    try:
        sys.path.insert(0, str(REPO))
        import tests.support.hf_server  # noqa: F401  (fails clearly when it does not exist)

        cli = llmspell_command()
        hub = Hub(home)
    except Exception as exc:
        section.rows.append(Row("pull", "not available yet", "", note=describe_exception(exc)))
        return section
    times: dict[str, list[float]] = {"api": [], "hf": [], "cli": [], "hf-process": []}
    try:
        for rep in range(reps):
            for side in ("hf", "api", "hf-process", "cli") if rep % 2 else times:
                scratch = Path(tempfile.mkdtemp(prefix="llmspell-pull-"))
                env = _client_env(home, scratch, hub.endpoint)
                try:
                    if side == "api":
                        _, out = _run([PYTHON, "-c", API_PULL, SPEC], env, scratch)
                        times[side].append(out["seconds"])
                    elif side == "cli":
                        wall, _ = _run([*cli, "model", "pull", SPEC], env, scratch)
                        times[side].append(wall)
                    else:
                        argv = [PYTHON, "-c", HF_DOWNLOAD, HUB_REPO, HUB_FILE, str(scratch / "c")]
                        wall, out = _run(argv, env, scratch)
                        times[side].append(out["seconds"] if side == "hf" else wall)
                finally:
                    shutil.rmtree(scratch, ignore_errors=True)
            log(
                f"  rep {rep + 1}/{reps}: "
                + ", ".join(f"{k} {size_mb / v[-1]:.0f} MB/s" for k, v in times.items() if v)
            )
    except Exception as exc:
        section.rows.append(Row("pull", "not available yet", "", note=describe_exception(exc)))
        return section
    finally:
        hub.close()
    for mine, base, label in (
        ("api", "hf", "`Manager().pull` vs `hf_hub_download` (the call)"),
        (
            "cli",
            "hf-process",
            "`llmspell model pull` vs a `hf_hub_download` process (start to exit)",
        ),
    ):
        ratio = median([b / m for m, b in zip(times[mine], times[base], strict=True)])
        section.rows.append(
            Row(
                f"pull throughput: {label}",
                f"{size_mb / median(times[mine]):.0f} MB/s vs {size_mb / median(times[base]):.0f} "
                "MB/s",
                "none in MISSION.md (shown for comparison)",
                f"{ratio:.2f}×",
                None,
            )
        )
    section.details.append(
        f"{size_mb:.0f} MB ({HUB_FILE}) pulled as `{SPEC}`; llmspell streams it to a partial "
        "file while hashing (sha256 checked against the hub's LFS metadata) and renames it; "
        f"`hf_hub_download` into an empty cache_dir. {reps} alternating runs each, medians; "
        "the ratio is llmspell's throughput over huggingface_hub's."
    )
    return section
