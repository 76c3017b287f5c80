"""llama.cpp's own tools (llama-bench, llama-batched-bench, llama-server), built from the
llama.cpp that the installed llama-cpp-python vendors, so both sides run the same kernels.

The build lives outside the repository (`--native-dir`, `$LLMSPELL_NATIVE_DIR`, else
`~/.cache/llmspell-bench/llama.cpp-<version>`): the sdist of the installed version is
downloaded with pip, and cmake builds the tools (a few minutes on two cores, once). Without
cmake, a compiler or the network, the native rows say why they were skipped.
`$CMAKE_ARGS` is passed to cmake, so the tools can be built with the flags the installed
llama-cpp-python was built with.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tarfile
from functools import cache
from importlib.metadata import version
from pathlib import Path

from common import PYTHON, NotAvailable

TOOLS = ("llama-bench", "llama-batched-bench", "llama-server")


def _root(native_dir: str | None) -> Path:
    given = native_dir or os.environ.get("LLMSPELL_NATIVE_DIR")
    if given:
        return Path(given).expanduser()
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache_home / "llmspell-bench" / f"llama.cpp-{version('llama_cpp_python')}"


def _find(root: Path, tool: str) -> Path | None:
    for candidate in (root / tool, root / "bin" / tool, root / "build" / "bin" / tool):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    hits = list(root.glob(f"**/build/bin/{tool}"))
    return hits[0] if hits else None


@cache
def tool(name: str, native_dir: str | None = None, log=print) -> Path:
    """The path of a built tool, building the tools first when they are missing."""
    root = _root(native_dir)
    found = _find(root, name) if root.exists() else None
    if found:
        return found
    if native_dir or os.environ.get("LLMSPELL_NATIVE_DIR"):
        raise NotAvailable(f"{name} is not in {root} (build it there, or drop --native-dir)")
    _build(root, log)
    found = _find(root, name)
    if not found:
        raise NotAvailable(f"{name} did not build (see {root}/build.log)")
    return found


def _build(root: Path, log) -> None:
    for needed in ("cmake", "c++"):
        if shutil.which(needed) is None:
            raise NotAvailable(f"{needed} is not installed, so llama.cpp's tools cannot be built")
    root.mkdir(parents=True, exist_ok=True)
    wanted = version("llama_cpp_python")
    source = next(root.glob("llama_cpp_python-*/vendor/llama.cpp"), None)
    if source is None:
        log(f"  downloading the llama-cpp-python {wanted} sdist to build llama.cpp's tools...")
        done = subprocess.run(
            [PYTHON, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
             f"llama-cpp-python=={wanted}", "-d", str(root)],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise NotAvailable(f"pip download failed: {done.stderr.strip()[-300:]}")
        (archive,) = root.glob("llama_cpp_python-*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(root, filter="data")
        source = next(root.glob("llama_cpp_python-*/vendor/llama.cpp"))
    log(f"  building {', '.join(TOOLS)} in {source}/build (a few minutes)...")
    extra = shlex.split(os.environ.get("CMAKE_ARGS", ""))
    with open(root / "build.log", "w") as out:
        configure = ["cmake", "-B", "build", "-DLLAMA_CURL=OFF", "-DCMAKE_BUILD_TYPE=Release"]
        if subprocess.run([*configure, *extra], cwd=source, stdout=out, stderr=out).returncode:
            raise NotAvailable(f"cmake could not configure llama.cpp (see {root}/build.log)")
        for name in TOOLS:  # one by one: a tool that fails to build skips only its rows
            build = ["cmake", "--build", "build", "--target", name, f"-j{os.cpu_count() or 2}"]
            subprocess.run(build, cwd=source, stdout=out, stderr=out)
