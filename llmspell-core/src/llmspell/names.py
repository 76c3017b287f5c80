"""Forgiving model names: an untagged name takes the catalog's default tag, a typo gets
"did you mean", and a not-found message ends with a command that will work.

Like Ollama's `llama3.2` meaning `llama3.2:latest`, `smollm2` means the installed
`smollm2:TAG` (the catalog's default tag first), else the catalog's default tag: the first tag
the catalog lists for that name (catalogs list the smallest first). The pure functions take
plain name lists; the three `Manager` helpers (`with_default_tag`, `for_pull`, `next_step`)
take the manager and only ever run for untagged names or on the not-found path, so resolving
a tagged name costs nothing more.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .backend import Backend
    from .errors import ModelNotFoundError
    from .manager import Manager
    from .spec import ModelSpec


def base_and_tag(name: str) -> tuple[str, str | None]:
    """`'llama3.2:1b'` -> `('llama3.2', '1b')`; a colon before the last `/` is not a tag."""
    head, slash, last = name.rpartition("/")
    base, colon, tag = last.partition(":")
    return f"{head}{slash}{base}", (tag if colon else None)


def default_tag(name: str, catalog: Iterable[str]) -> str | None:
    """The catalog's name for untagged `name`: its first `name:TAG` entry, or None."""
    for entry in catalog:
        base, tag = base_and_tag(entry)
        if base == name and tag:
            return entry
    return None


def untagged_choice(name: str, installed: Iterable[str], catalog: Iterable[str]) -> str | None:
    """What untagged `name` stands for: an installed `name:TAG` (the default one first),
    else the catalog's default tag; None when neither exists."""
    if base_and_tag(name)[1] is not None:
        return None
    catalog = list(catalog)
    default = default_tag(name, catalog)
    tagged = [n for n in installed if base_and_tag(n)[0] == name and base_and_tag(n)[1]]
    if default in tagged:
        return default
    return tagged[0] if tagged else default


def close_names(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Known names that look like `name` (a typo, a missing or wrong tag), best first."""
    unique = list(dict.fromkeys(candidates))
    found = difflib.get_close_matches(name, unique, n=limit, cutoff=0.6)
    base = base_and_tag(name)[0]
    # A right name with a wrong tag (`smollm2:1b`) is close too, whatever the tag.
    found += [n for n in unique if base_and_tag(n)[0] == base and n not in found]
    return [n for n in found if n != name][:limit]


def did_you_mean(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    if len(quoted) > 1:
        quoted = [", ".join(quoted[:-1]) + " or " + quoted[-1]]
    return f"Did you mean {quoted[0]}?" if quoted else ""


# -- with a Manager ---------------------------------------------------------------------------


def _has(backend: Backend, name: str) -> bool:
    try:
        return bool(backend.has_model(name))
    except Exception:  # a backend that is down has nothing
        return False


def _installed(backends: Iterable[Backend]) -> list[str]:
    names: list[str] = []
    for backend in backends:
        try:
            names += [m.name for m in backend.list_models()]
        except Exception:
            continue
    return names


def _catalog(backends: Iterable[Backend]) -> list[str]:
    names: list[str] = []
    for backend in backends:
        try:
            names += [e.name for e in backend.available()]
        except Exception:
            continue
    return names


def _backends(manager: Manager, spec: ModelSpec) -> list[Backend]:
    """The backend the spec names, else the healthy ones (health is cached for resolution)."""
    if spec.target_backend:
        return [manager.backend(spec.target_backend)]
    from .resolve import health_of

    return [b for b in manager.backends.values() if health_of(b).healthy]


def _retagged(spec: ModelSpec, name: str | None) -> ModelSpec:
    if name is None or name == spec.name:
        return spec
    model, tag = base_and_tag(name)
    return attrs.evolve(spec, model=model, variant=tag)


def with_default_tag(manager: Manager, spec: ModelSpec) -> ModelSpec:
    """For resolving: an untagged name that no backend has becomes the tagged one it means."""
    if spec.variant:
        return spec
    backends = _backends(manager, spec)
    if any(_has(b, spec.name) for b in backends):
        return spec
    return _retagged(spec, untagged_choice(spec.name, _installed(backends), _catalog(backends)))


def for_pull(manager: Manager, spec: ModelSpec) -> ModelSpec:
    """For pulling: an untagged name not in the catalog takes the catalog's default tag."""
    if spec.variant:
        return spec
    catalog = _catalog(_backends(manager, spec))
    if spec.name in catalog:
        return spec
    return _retagged(spec, default_tag(spec.name, catalog))


def next_step(manager: Manager, spec: ModelSpec, pull_hint: str) -> str:
    """The end of a not-found message: an installed look-alike, else a pull that will work."""
    backends = _backends(manager, spec)
    installed = _installed(backends)
    catalog = _catalog(backends)
    near = close_names(spec.name, installed)
    if near:
        return f"{did_you_mean(near)} (llmspell model list shows what is installed.)"
    if spec.name in catalog:
        return f"Pull it first: {pull_hint}."
    near = close_names(spec.name, catalog)
    if near:
        return f"{did_you_mean(near)} Pull it with: llmspell model pull {near[0]}"
    return "llmspell model available lists the models you can pull."


def explained(error: ModelNotFoundError, manager: Manager, spec: ModelSpec) -> Exception:
    """A backend's not-found error from a pull, with "did you mean" from the catalogs."""
    near = close_names(spec.name, _catalog(_backends(manager, spec)))
    if not near or "Did you mean" in error.message:
        return error
    return type(error)(f"{error.message} {did_you_mean(near)}")


def look_alike(error: ModelNotFoundError, manager: Manager, spec: ModelSpec) -> Exception:
    """A backend's "no such model" (a spec that names the backend), said again with the
    installed names it resembles instead of the backend's pull hint, when there are some."""
    near = close_names(spec.name, _installed(_backends(manager, spec)))
    if not near or "Did you mean" in error.message:
        return error
    where = f"The {spec.target_backend} backend" if spec.target_backend else "No backend"
    return type(error)(
        f"{where} has no model {spec.name!r}. {did_you_mean(near)} "
        "(llmspell model list shows what is installed.)"
    )


def installed_hint(manager: Manager, spec: ModelSpec) -> str:
    """ " Did you mean 'x'?" from the installed names, or "" (for a removal)."""
    near = close_names(spec.name, _installed(_backends(manager, spec)))
    return f" {did_you_mean(near)}" if near else ""
