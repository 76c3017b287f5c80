#!/usr/bin/env python
"""Regenerate the command outputs shown in docs/cli.md by running the commands.

Every example in docs/cli.md sits under a marker naming the command line to run:

    <!-- run: llmspell model list -->            (stdin and stdout are pipes)
    <!-- run-tty: llmspell model pull ... -->    (on a pseudo-terminal, as a person sees it)
    <!-- setup: cp ... -->                       (run, nothing shown: prepares a later example)

followed by a ```console block, which this script rewrites with `$ COMMAND` and the real
output (stdout and stderr as they interleave; a non-zero exit status is added as a last line).
Commands run with bash, in document order, with a scratch directory as HOME and working
directory (so LLMSPELL_HOME is its `~/.llmspell`), Ollama on a closed port and Hugging Face
offline (no network), and the `llmspell` of this Python environment first on PATH. In JSON the
scratch home is shown as `~` and this environment's site-packages as `<site-packages>`.

    python scripts/gen_cli_docs.py           # rewrite docs/cli.md in place
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
BLOCK = re.compile(
    r"<!-- setup:(?P<setup>.*?)-->"
    r"|(?P<marker><!-- (?P<mode>run|run-tty): (?P<command>.+?) -->\n)```console\n.*?```\n",
    re.S,
)
COLUMNS = 100


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLMSPELL_", "OLLAMA_"))}
    env.update(
        HOME=str(home),
        LLMSPELL_HOME=str(home / ".llmspell"),
        OLLAMA_HOST="http://127.0.0.1:9",
        OLLAMA_MODELS=str(home / "no-ollama-store"),
        HF_HUB_OFFLINE="1",
        HF_HOME=str(home / "hf-home"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
        COLUMNS=str(COLUMNS),
        TZ="UTC",
    )
    return env


def run_piped(command: str, env: dict[str, str], cwd: Path) -> tuple[str, int]:
    result = subprocess.run(
        ["bash", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    return result.stdout, result.returncode


def run_tty(command: str, env: dict[str, str], cwd: Path) -> tuple[str, int]:
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    tty_env = {k: v for k, v in env.items() if k != "COLUMNS"}
    process = subprocess.Popen(
        ["bash", "-c", command], stdin=slave, stdout=slave, stderr=slave, env=tty_env, cwd=cwd
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    os.close(master)
    code = process.wait()
    return screen(b"".join(chunks).decode("utf-8", "replace")), code


def screen(raw: str) -> str:
    """What a terminal shows at the end: each `\\r` redraw replaces the line it is on."""
    lines = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        lines.append(line.split("\r")[-1].rstrip())
    return "\n".join(lines)


def tidy(output: str, home: Path) -> str:
    site = sysconfig.get_paths()["purelib"]
    output = output.replace(str(home.resolve()), "~").replace(str(home), "~")
    output = output.replace(site, "<site-packages>")
    return output.rstrip("\n")


def regenerate(text: str, home: Path) -> str:
    env = environment(home)

    def replace(match: re.Match[str]) -> str:
        if match.group("setup") is not None:
            output, code = run_piped(match.group("setup"), env, home)
            if code:
                raise SystemExit(f"setup failed ({code}):{match.group('setup')}\n{output}")
            return match.group(0)
        marker, mode, command = match.group("marker", "mode", "command")
        runner = run_tty if mode == "run-tty" else run_piped
        print(f"$ {command}", file=sys.stderr)
        output, code = runner(command, env, home)
        body = tidy(output, home)
        status = f"\n[exit status {code}]" if code else ""
        shown = f"$ {command}\n{body}{status}".rstrip("\n")
        return f"{marker}```console\n{shown}\n```\n"

    return BLOCK.sub(replace, text)


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    with tempfile.TemporaryDirectory(prefix="llmspell-docs-") as scratch:
        fresh = regenerate(DOC.read_text(), Path(scratch))
    DOC.write_text(fresh)
    print(f"wrote {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
