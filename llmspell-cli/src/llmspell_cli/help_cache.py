"""A cache of `llmspell --help` output, so asking for help does not wait for half a second.

Rendering help means importing cyclopts and rich, building the command tree and loading every
plugin (~0.4 s). Yet the text only changes when the software or the terminal does. So help
requests (`llmspell`, `llmspell -h`, `llmspell [COMMAND...] --help`) are answered from
`$LLMSPELL_HOME/cache/help/`, and only this module, `os`, `sys` and `zlib` are imported.

An entry is used only if both of these match exactly:

* Its key, compared in full (the file name is just its CRC): the command line, the cache
  format, the Python (`sys.executable`, version, flags, `-W` options), `(path, st_mtime_ns)`
  of every entry of `sys.path` (installing or removing a distribution or a plugin, or a `.pth`
  file, changes its directory), the environment variables `LLMSPELL_*`
  (`LLMSPELL_LOAD_PLUGINS` picks plugins) and those rich reads (COLUMNS, LINES, TERM,
  COLORTERM, NO_COLOR, FORCE_COLOR, TTY_COMPATIBLE, TTY_INTERACTIVE, JUPYTER_COLUMNS,
  JUPYTER_LINES), whether stdout is a terminal, its encoding and error handler, and the
  terminal width rich would see (the first of stdin, stdout and stderr that is a terminal).
* Its dependencies: `(st_mtime_ns, st_size)` of the file of every module that was imported
  when the entry was written (cyclopts, rich, the core, this CLI, every plugin, the standard
  library). Editing any of them, as happens with editable installs, invalidates the entry.

This assumes help is made from code and those inputs only, as cyclopts builds it from
signatures and docstrings: a plugin command whose help read a configuration file, say, would
be replayed stale. Help is only stored when the command exited 0 and wrote nothing to stderr
(a warning would be lost on replay). Writes are atomic (temporary file, then `os.replace`); a
cache directory that cannot be written is ignored. Only the newest `KEEP` entries are kept.
"""

from __future__ import annotations

import os
import sys
import zlib

TYPE_CHECKING = False  # importing `typing` or `collections.abc` costs more than a hit
if TYPE_CHECKING:
    from collections.abc import Callable

FORMAT = "llmspell-help-cache 1"
HELP_FLAGS = ("--help", "-h")
MAX_COMMAND_WORDS = 3
KEEP = 64
RICH_ENVIRONMENT = (
    "COLUMNS",
    "LINES",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
)


def run_cached(tokens: list[str], run: Callable[[list[str]], int]) -> int:
    """`run(tokens)`, except that help is replayed from the cache, or recorded into it."""
    if not is_help_request(tokens):
        return run(tokens)
    key = cache_key(tokens)
    path = os.path.join(cache_dir(), f"{zlib.crc32(key.encode('utf-8', 'surrogatepass')):08x}.txt")
    text = lookup(path, key)
    if text is not None:
        return _replay(text)
    recorder = _Recorder()
    with recorder:
        code = run(tokens)
    session = sys.modules.get("llmspell_cli.session")  # imported by `run` by now
    passed_through = session is not None and session.current().passed_through
    if code == 0 and recorder.cacheable and not passed_through:
        store(path, key, recorder.text())
    return code


def is_help_request(tokens: list[str]) -> bool:
    """Bare `llmspell`, or up to a few command words followed by `--help` or `-h`."""
    if not tokens:
        return True
    *words, last = tokens
    return (
        last in HELP_FLAGS
        and len(words) <= MAX_COMMAND_WORDS
        and all(_is_word(word) for word in words)
    )


def _is_word(token: str) -> bool:
    return token[:1].isalpha() and token.replace("-", "").replace("_", "").isalnum()


def cache_dir() -> str:
    """`$LLMSPELL_HOME/cache/help`; `llmspell.paths` is not imported to keep this cheap."""
    home = os.environ.get("LLMSPELL_HOME")
    root = os.path.expanduser(home) if home else os.path.join(os.path.expanduser("~"), ".llmspell")
    return os.path.join(root, "cache", "help")


def cache_key(tokens: list[str]) -> str:
    """Everything, known before running, that the help text may depend on (see the docstring)."""
    paths = []
    for entry in sys.path:
        try:
            paths.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            paths.append((entry, None))
    environment = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name.startswith("LLMSPELL_") or name in RICH_ENVIRONMENT
    )
    stdout = sys.stdout
    try:
        terminal = stdout.isatty()
    except (AttributeError, ValueError):
        terminal = None
    parts = (
        FORMAT,
        tokens,
        sys.executable,
        sys.version,
        sys.flags,  # -OO drops the docstrings help is made of
        sys.warnoptions,
        os.getcwd() if "" in sys.path else None,
        paths,
        environment,
        terminal,
        getattr(stdout, "encoding", None),
        getattr(stdout, "errors", None),
        _terminal_width(),
    )
    return repr(parts)


def _terminal_width() -> int | None:
    """What rich's `Console.size` finds: the first standard stream that is a terminal."""
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
    return None


def lookup(path: str, key: str) -> str | None:
    """The stored help text if the entry's key and all its dependencies still match."""
    try:
        with open(path, encoding="utf-8", errors="surrogatepass", newline="") as file:
            if file.readline() != FORMAT + "\n" or file.readline() != key + "\n":
                return None
            count = int(file.readline())
            for _ in range(count):
                mtime, size, dependency = file.readline().rstrip("\n").split(" ", 2)
                stat = os.stat(dependency)
                if stat.st_mtime_ns != int(mtime) or stat.st_size != int(size):
                    return None
            return file.read()
    except (OSError, ValueError):
        return None


def store(path: str, key: str, text: str) -> None:
    """Write the entry atomically; any failure only means no cache."""
    import contextlib  # here: a hit never needs it

    lines = [FORMAT, key]
    dependencies = _dependencies()
    if dependencies is None:
        return
    lines.append(str(len(dependencies)))
    lines.extend(f"{mtime} {size} {name}" for name, (mtime, size) in sorted(dependencies.items()))
    directory = os.path.dirname(path)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(directory, exist_ok=True)
        with open(temporary, "w", encoding="utf-8", errors="surrogatepass", newline="") as file:
            file.write("\n".join(lines) + "\n" + text)
        os.replace(temporary, path)
        _prune(directory)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.remove(temporary)


def _dependencies() -> dict[str, tuple[int, int]] | None:
    """`(st_mtime_ns, st_size)` of every imported module's file; None if one can't be named."""
    found: dict[str, tuple[int, int]] = {}
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if not isinstance(name, str) or name in found:
            continue
        if "\n" in name:
            return None
        try:
            stat = os.stat(name)
        except OSError:
            continue  # inside a zip archive, say: its path entry's mtime still counts
        found[name] = (stat.st_mtime_ns, stat.st_size)
    return found


def _prune(directory: str) -> None:
    """Drop the oldest entries beyond `KEEP` (each terminal width makes its own)."""
    import contextlib

    with os.scandir(directory) as scan:
        entries = [e for e in scan if e.name.endswith(".txt")]
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda entry: (entry.stat().st_mtime_ns, entry.name))
    for entry in entries[: len(entries) - KEEP]:
        with contextlib.suppress(OSError):
            os.remove(entry.path)


def _replay(text: str) -> int:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `llmspell --help | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


class _Recorder:
    """Tees `sys.stdout` to remember what a run printed; notes any write to stderr."""

    def __init__(self) -> None:
        self.stdout = _Tee(sys.stdout)
        self.stderr = _Tee(sys.stderr)

    def __enter__(self) -> _Recorder:
        self._saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = self.stdout, self.stderr  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout, sys.stderr = self._saved

    @property
    def cacheable(self) -> bool:
        return not self.stdout.bypassed and not self.stderr.written

    def text(self) -> str:
        return "".join(self.stdout.written)


class _Tee:
    """A text stream that records what is written and passes everything to the real one."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self.written: list[str] = []
        #: Output went around the recording (binary buffer) or failed: don't store it.
        self.bypassed = False

    def write(self, text: str) -> int:
        try:
            count = self._stream.write(text)  # type: ignore[attr-defined]
        except BaseException:  # a closed pipe: what was printed is not the whole text
            self.bypassed = True
            raise
        self.written.append(text)
        return count

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        if name in ("buffer", "detach"):
            self.bypassed = True
        return getattr(self._stream, name)
