"""`llmspell model ...`: installed models, downloads, details, the catalog, backend health."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

from cyclopts import Parameter

from ..connected import Connect, kernel_module
from ..errors import FAILURE, INTERRUPTED, OK
from ..formatting import (
    display_path,
    human_count,
    human_size,
    key_values,
    relative_time,
    table,
    to_json,
)
from ..options import BackendName, FileName, Format, ModelName  # completers (#15)
from ..session import manager, note, skipped_line


def list_models(
    *,
    backend: BackendName = None,
    verbose: Annotated[
        bool, Parameter(name=["--verbose", "-v"], help="Add paths and full dates.")
    ] = False,
    format: Format = "text",
    connect: Connect = None,
) -> int:
    """List installed models across all backends.

    A backend that is down is skipped with a note on stderr.
    """
    if connect:  # the kernel answers, this very function prints
        return kernel_module("replay").read_only(
            connect, "list", list_models, backend=backend, verbose=verbose, format=format
        )
    models = manager().list_models(backend)
    skipped = models.skipped
    if format == "json":
        print(to_json(models.to_dict()))
        return OK
    if models:
        headers = ["name", "backend", "size", "quantization", "modified"]
        # store (#12): a status column when a model cannot run (e.g. a dangling link)
        broken = any(x.status != "ok" for x in models)
        headers += ["status"] if broken else []
        rows = []
        for x in models:
            when = _full_time(x.modified_at) if verbose else relative_time(x.modified_at)
            size = human_size(x.size_bytes or None)  # 0: the backend does not know
            row = [x.name, x.backend, size, x.quantization, when, *([x.status] if broken else [])]
            rows.append([*row, display_path(x.path)] if verbose else row)
        print(table([*headers, "path"] if verbose else headers, rows))
    else:
        where = f"on {backend}" if backend else "yet"
        print(f"No models installed {where}. See llmspell model available, then pull one.")
    for name, why in skipped.items():
        note(skipped_line(name, why))  # one line; model status has the whole story (#15)
    return OK


def _full_time(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def pull(
    spec: ModelName,
    /,
    *,
    force: Annotated[bool, Parameter(help="Download again even if the model is present.")] = False,
    quantization: Annotated[
        str | None, Parameter(help="Quantization to fetch, e.g. Q4_K_M (GGUF).")
    ] = None,
    format: Format = "text",
    connect: Connect = None,
) -> int:
    """Download a model, with progress; re-running resumes.

    For example: llmspell model pull gguf/smollm2:135m, or ollama/phi3:3.8b.

    Parameters
    ----------
    spec
        Model specifier: [provider/]model[:variant][@backend].
    """
    if connect:
        return kernel_module("replay").pull(
            connect, spec, force=force, quantization=quantization, format=format
        )
    from llmspell.models import PRESENT, PullResult

    from ..progress import PullReporter

    m = manager()
    parsed = m.parse(spec)
    present = None if force else m.installed(parsed, quantization)
    if present is not None:  # said before any progress line is drawn
        result = PullResult(present, PRESENT)
        if format == "json":
            print(to_json(result.to_dict()))
        else:
            print(f"{present.id} is already present; pass --force to download it again.")
        return OK
    reporter = PullReporter(sys.stderr)
    started = time.monotonic()
    try:
        result = m.pull(parsed, force=force, quantization=quantization, progress=reporter)
    except KeyboardInterrupt:
        reporter.close()  # end the bar's line before the message
        print(
            "Pull interrupted. What was downloaded is kept: run the same command to resume.",
            file=sys.stderr,
        )
        return INTERRUPTED
    finally:
        reporter.close()
    seconds = time.monotonic() - started
    model = result.model
    if format == "json":
        print(to_json(result.to_dict()))
    elif result.status == PRESENT:
        print(f"{model.id} is already present; pass --force to download it again.")
    else:
        print(f"Pulled {model.id} ({human_size(model.size_bytes)}) in {seconds:.1f} s.")
    return OK


def remove(
    model: ModelName,
    /,
    *,
    yes: Annotated[
        bool, Parameter(name=["--yes", "-y"], help="Do not ask for confirmation.")
    ] = False,
    format: Format = "text",
    connect: Connect = None,
) -> int:
    """Remove an installed model (asks first unless -y).

    Parameters
    ----------
    model
        The model to remove, e.g. smollm2:135m or gguf/smollm2:135m.
    """
    if connect:
        return kernel_module("replay").remove(connect, model, yes=yes, format=format)
    m = manager()
    r = m.removal_target(model)
    target = f"{r.backend.name}/{r.spec.name}"  # asked about exactly what will be removed
    if not yes:
        if not sys.stdin.isatty():
            from llmspell import BadInputError

            raise BadInputError(
                f"Not removing {target}: confirmation needs a terminal. Pass -y to remove it."
            )
        if not _confirm(f"Remove {target}? [y/N] "):
            print(f"Kept {target}.", file=sys.stderr)
            return FAILURE
    removed = m.remove(r.spec.with_backend(r.backend.name))
    if format == "json":
        print(to_json(removed.to_dict()))
    else:
        print(f"Removed {removed.id}.")
    return OK


def _confirm(question: str) -> bool:
    sys.stderr.write(question)
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def info(model: ModelName, /, *, format: Format = "text", connect: Connect = None) -> int:
    """Show a model's details: architecture, size, context, template.

    Parameters
    ----------
    model
        The model, e.g. smollm2:135m, gguf/smollm2:135m or local/phi3:3.8b@ollama.
    """
    if connect:
        return kernel_module("replay").read_only(connect, "info", info, model=model, format=format)
    i = manager().info(model)
    if format == "json":
        print(to_json(i.to_dict()))
        return OK
    params = None
    if i.parameter_count is not None:
        params = f"{human_count(i.parameter_count)} ({i.parameter_count:,})"
    template = None
    if i.has_chat_template is not None:
        template = "yes" if i.has_chat_template else "no (completion mode)"
    modified = None
    if i.modified_at is not None:
        modified = f"{relative_time(i.modified_at)} ({_full_time(i.modified_at)})"
    pairs = [
        ("model", i.id),
        ("format", i.format),
        ("architecture", i.architecture),
        ("parameters", params),
        ("quantization", i.quantization),
        ("context length", i.context_length),
        ("chat template", template),
        ("license", i.license),
        ("size", f"{human_size(i.size_bytes)} ({i.size_bytes:,} bytes)" if i.size_bytes else None),
        ("path", display_path(i.path)),
        ("modified", modified),
        ("loaded", "yes" if i.loaded else "no"),
    ]
    pairs += [(str(k).replace("_", " "), _detail(v)) for k, v in i.details.items()]
    print(key_values(pairs))
    return OK


def _detail(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or None
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or None
    return value


def available(
    *,
    backend: BackendName = None,
    recommended: Annotated[bool, Parameter(help="Only the recommended models.")] = False,
    format: Format = "text",
    connect: Connect = None,
) -> int:
    """List models that can be pulled, with download sizes."""
    if connect:
        return kernel_module("replay").read_only(
            connect, "available", available, backend=backend, recommended=recommended,
            format=format,
        )  # fmt: skip
    entries = manager().available(backend, recommended)
    if format == "json":
        print(to_json({"models": [e.to_dict() for e in entries]}))
        return OK
    if not entries:
        print("No catalog entries" + (f" for {backend}." if backend else "."))
        return OK
    rows = [
        [e.name, e.backend, human_size(e.size_bytes), "yes" if e.recommended else "", e.description]
        for e in entries
    ]
    print(table(["name", "backend", "size", "recommended", "description"], rows))
    return OK


def status(*, format: Format = "text", connect: Connect = None) -> int:
    """Show each backend: ready or not and why, version, models."""
    if connect:
        return kernel_module("replay").read_only(connect, "status", status, format=format)
    statuses = manager().status()
    if format == "json":
        print(to_json({"backends": [s.to_dict() for s in statuses]}))
        return OK
    if not statuses:
        print(_no_backends())
        return OK
    rows = [
        [
            s.backend,
            "ready" if s.healthy else "unavailable",
            s.version,
            s.model_count,
            display_path(s.endpoint),
            s.device,
        ]
        for s in statuses
    ]
    print(table(["backend", "status", "version", "models", "location", "device"], rows))
    for s in statuses:
        if s.error:
            print(f"{s.backend}: {s.error}")
        for remark in s.notes:  # store (#12): e.g. a damaged manifest that was skipped
            print(f"{s.backend}: note: {remark}")
    return OK


def _no_backends() -> str:
    import os

    if os.environ.get("LLMSPELL_LOAD_PLUGINS", None) is not None:
        why = f"LLMSPELL_LOAD_PLUGINS={os.environ['LLMSPELL_LOAD_PLUGINS']!r} restricts loading"
    else:
        why = "no backend plugin is installed or enabled"
    return (
        f"No backends are available ({why}). Install one, e.g. pip install llmspell-gguf; "
        "llmspell plugins shows what was found."
    )


def import_model(
    path: FileName,
    /,
    *,
    name: Annotated[str | None, Parameter(help="Model name (default: from the file name).")] = None,
    link: Annotated[bool, Parameter(help="Link to the file instead of copying it.")] = False,
    backend: BackendName = None,
    format: Format = "text",
) -> int:
    """Register a model file already on disk (GGUF), without downloading.

    Parameters
    ----------
    path
        The model file.
    """
    from llmspell import BadInputError, ImportResult

    file = Path(path).expanduser()
    if not file.is_file():
        raise BadInputError(f"{file} is not a file. Give the path of a model file to import.")
    model = manager().import_file(str(file), name, backend=backend, link=link)
    if format == "json":
        print(to_json(ImportResult(model, file, link).to_dict()))
    else:
        how = "Linked" if link else "Imported"
        print(f"{how} {model.id} ({human_size(model.size_bytes)}) from {file}.")
    return OK
