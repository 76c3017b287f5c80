"""Model specifiers: `[<provider>/]<model>[:<variant>][@<backend>]`.

The prefix before the first `/` is a provider only when it is `local` or a backend name,
so Ollama names (`user/model:tag`) and Hugging Face references (`hf.co/owner/repo:Q4_K_M`)
keep their slashes. `@backend` is split at the last `@`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

import attrs

from .errors import SpecError, UnknownBackendError

GRAMMAR = "[<provider>/]<model>[:<variant>][@<backend>], e.g. local/llama3.1:8b"

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\Z")
_VARIANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\Z")


@attrs.frozen
class ModelSpec:
    model: str
    variant: str | None = None
    provider: str | None = None  # "local" or a backend name
    backend: str | None = None  # from "@backend"

    @property
    def name(self) -> str:
        """The model as its backend knows it: `model[:variant]`."""
        return f"{self.model}:{self.variant}" if self.variant else self.model

    @property
    def target_backend(self) -> str | None:
        """The backend the spec pins, or None when it is left to resolution."""
        if self.backend:
            return self.backend
        return self.provider if self.provider not in (None, "local") else None

    def with_backend(self, backend: str) -> ModelSpec:
        return attrs.evolve(self, backend=backend)

    def __str__(self) -> str:
        text = f"{self.provider}/{self.name}" if self.provider else self.name
        return f"{text}@{self.backend}" if self.backend else text


def canonical_backend(
    name: str, backends: Iterable[str] = (), aliases: Mapping[str, str] | None = None
) -> str:
    """Map a backend name or alias to the installed backend's name, or raise with the list.

    `backends` and `aliases` come from the registered backends (`Manager.backend_names`,
    `Manager.aliases`); the core itself knows no backend by name.
    """
    known = list(backends)
    table = dict(aliases or {})
    key = name.strip().lower()
    key = table.get(key, key)
    if key in known:
        return key
    if not name.strip():
        raise SpecError(f"A backend name is empty. Expected one of: {', '.join(known)}.")
    hint = difflib.get_close_matches(key, [*known, *table], n=1)
    installed = ", ".join(known) if known else "none"
    extra = f" Did you mean {table.get(hint[0], hint[0])!r}?" if hint else ""
    raise UnknownBackendError(
        f"Unknown backend {name!r} (installed: {installed}).{extra} "
        "Other backends come as plugins: pip install the one you need, then see llmspell plugins."
    )


def parse_spec(
    text: str, backends: Iterable[str] = (), aliases: Mapping[str, str] | None = None
) -> ModelSpec:
    """Parse a spec, rejecting anything that could not name a model safely."""
    known = list(backends)
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise SpecError(f"The model spec is empty. Expected {GRAMMAR}.")

    body, at, backend_text = raw.rpartition("@")
    backend = None
    if at:
        if not backend_text:
            raise SpecError(f"{raw!r} has nothing after '@'. Expected {GRAMMAR}.")
        if not body:
            raise SpecError(f"{raw!r} names a backend but no model. Expected {GRAMMAR}.")
        backend = canonical_backend(backend_text, known, aliases)
    else:
        body = raw

    provider = None
    head, slash, rest = body.partition("/")
    if slash:
        table = dict(aliases or {})
        lowered = table.get(head.lower(), head.lower())
        if lowered == "local" or lowered in known:
            provider, body = lowered, rest
    if provider not in (None, "local") and backend not in (None, provider):
        raise SpecError(
            f"{raw!r} names two backends ({provider} and {backend}); keep one. Expected {GRAMMAR}."
        )

    model, variant = _split_variant(body, raw)
    _check_model(model, raw)
    return ModelSpec(model=model, variant=variant, provider=provider, backend=backend)


def _split_variant(body: str, raw: str) -> tuple[str, str | None]:
    prefix, _, last = body.rpartition("/")
    base, colon, variant = last.partition(":")
    if not colon:
        return body, None
    if not variant or not _VARIANT.match(variant):
        raise SpecError(f"{raw!r} has an invalid variant after ':'. Expected {GRAMMAR}.")
    return (f"{prefix}/{base}" if prefix else base), variant


def _check_model(model: str, raw: str) -> None:
    if not model:
        raise SpecError(f"{raw!r} names no model. Expected {GRAMMAR}.")
    if model.startswith(("/", "\\", "~")) or "\\" in model or re.match(r"[A-Za-z]:", model):
        raise SpecError(
            f"{raw!r} looks like a file path. Use a model name ({GRAMMAR}); "
            "to add a model file on disk run: llmspell model import PATH."
        )
    for segment in model.split("/"):
        if segment in ("", ".", ".."):
            raise SpecError(
                f"{raw!r} has an empty, '.' or '..' path segment; model names cannot "
                f"leave the model directory. Expected {GRAMMAR}."
            )
        if not _SEGMENT.match(segment):
            raise SpecError(
                f"{raw!r}: {segment!r} may hold only letters, digits and . _ + - "
                f"(starting with a letter or digit). Expected {GRAMMAR}."
            )
