"""The kernel is optional: its own wheel, and nothing else pulls in or imports ZeroMQ,
ipykernel or jupyter_client (not even `llmspell --help` with the kernel installed)."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from tests.core.test_packaging import requires
from tests.support.imports import modules_after

KERNEL_LIBRARIES = ("zmq", "jupyter_client", "ipykernel", "jupyter_core", "tornado")


def test_the_kernel_is_its_own_distribution_with_the_jupyter_dependencies(workspace_wheels):
    wheel = workspace_wheels["llmspell-kernel"]
    needs = {r.split(">")[0].split("=")[0].strip().lower() for r in requires(wheel)}
    assert {"llmspell-core", "llmspell-lua", "ipykernel", "jupyter-client"} <= {
        n.replace("_", "-") for n in needs
    }
    with zipfile.ZipFile(wheel) as zf:
        eps = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
        assert "kernel = llmspell_kernel.plugin" in zf.read(eps).decode()


def test_no_other_distribution_depends_on_the_kernel_libraries(workspace_wheels):
    for name, wheel in workspace_wheels.items():
        if name == "llmspell-kernel":
            continue
        for requirement in requires(wheel):
            lowered = requirement.lower()
            assert not any(lib in lowered for lib in ("pyzmq", "ipykernel", "jupyter")), (
                name,
                requirement,
            )


def test_help_and_embedded_commands_import_no_kernel_library():
    for argv in (["--help"], ["kernel", "--help"], ["model", "list", "--format", "json"]):
        code, modules = modules_after(*argv)
        assert code == 0, argv
        assert "llmspell_cli" in modules
        assert not modules & set(KERNEL_LIBRARIES), (argv, modules & set(KERNEL_LIBRARIES))


WITHOUT_KERNEL = """
import sys
sys.modules["llmspell_kernel"] = None  # as if llmspell-kernel were not installed
from llmspell_cli.main import main, run
if sys.argv[1] == "main":
    sys.argv = ["llmspell", *sys.argv[2:]]
    main()
sys.exit(run(sys.argv[2:]))
"""


def test_connect_without_the_kernel_installed_says_how_to_get_it():
    for how, argv in [
        ("main", ["exec", "--connect", "dev", "print(1)"]),  # the fast path
        ("run", ["model", "list", "--connect", "dev"]),
        ("run", ["chat", "smollm2:135m", "hi", "--connect", "dev"]),
    ]:
        done = subprocess.run(
            [sys.executable, "-c", WITHOUT_KERNEL, how, *argv],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 2, (argv, done.stderr)
        assert done.stderr.strip().endswith(
            "Connected mode needs the kernel: pip install llmspell-kernel"
        ), done.stderr
