"""`llmspell model ... --connect`: the kernel answers, the CLI's own command code prints.

`list`, `info`, `available` and `status` run the very function of `llmspell_cli.commands.
model` against a stand-in manager that hands back the kernel's results, rebuilt as the
core's typed objects; so text, JSON, notes and exit codes cannot drift from embedded mode.
`pull` and `remove` (whose command code talks to backends directly) print the same lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any

import attrs
import llmspell

from . import client

_OK = 0


def _typed(cls: type, data: Mapping[str, Any]) -> Any:
    """A core result class from its `to_dict()` form (derived keys such as `id` dropped)."""
    import cattrs

    names = {f.name for f in attrs.fields(cls)}
    return cattrs.structure({k: v for k, v in data.items() if k in names}, cls)


class _Answers:
    """Just what the read-only model commands ask a manager, answered from one reply."""

    def __init__(self, command: str, result: Mapping[str, Any]) -> None:
        self.command = command
        self.result = result

    def list_models(self, backend: str | None = None) -> Any:
        from llmspell.models import ModelListing

        models = [_typed(llmspell.LocalModel, m) for m in self.result["models"]]
        return ModelListing(models, self.result.get("skipped") or {})

    def info(self, model: Any) -> Any:
        return _typed(llmspell.ModelInfo, self.result)

    def available(self, backend: str | None = None, recommended: bool = False) -> Any:
        return [_typed(llmspell.CatalogEntry, e) for e in self.result["models"]]

    def status(self) -> Any:
        return [_typed(llmspell.HealthStatus, s) for s in self.result["backends"]]


def _ask(address: str, content: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    content = {k: v for k, v in content.items() if v is not None and v is not False}
    reply = client.model_request(address, content, **kwargs)
    if reply.get("status") != "ok":
        client.raise_error(reply)
    return reply["result"]


def read_only(address: str, command: str, function: Any, **params: Any) -> int:
    """Run the CLI's `function(**params)` with the kernel's answer to `command`."""
    from llmspell_cli import session

    fields = {k: params.get(k) for k in ("backend", "recommended") if k in params}
    if command == "info":
        fields["model"] = params.pop("model")
        positional: tuple[Any, ...] = (fields["model"],)
    else:
        positional = ()
    result = _ask(address, {"command": command, **fields})
    if params.get("format") == "json":  # the kernel's document itself, byte for byte
        from llmspell_cli.formatting import to_json

        print(to_json(result))
        return _OK
    state = session.current()
    previous = state._manager
    state._manager = _Answers(command, result)  # type: ignore[assignment]
    try:
        return function(*positional, **params)
    finally:
        state._manager = previous


def pull(address: str, spec: str, *, force: bool, quantization: str | None, format: str) -> int:
    from llmspell_cli.formatting import human_size, to_json
    from llmspell_cli.progress import PullReporter

    reporter = PullReporter(sys.stderr)
    started = time.monotonic()

    def progress(event: Mapping[str, Any]) -> None:
        reporter(_typed(llmspell.PullProgress, event))

    content = {"command": "pull", "model": spec, "force": force, "quantization": quantization}
    try:
        result = _ask(address, content, on_progress=progress)
    except KeyboardInterrupt:
        reporter.close()
        print(
            "Pull interrupted. What was downloaded is kept: run the same command to resume.",
            file=sys.stderr,
        )
        return 130
    finally:
        reporter.close()
    model = result["model"]
    if format == "json":  # the kernel's document itself
        print(to_json(result))
    elif result["status"] == "present":  # as model.pull says it
        print(f"{model['id']} is already present; pass --force to download it again.")
    else:
        seconds = time.monotonic() - started
        print(f"Pulled {model['id']} ({human_size(model['size_bytes'])}) in {seconds:.1f} s.")
    return _OK


def remove(address: str, model: str, *, yes: bool, format: str) -> int:
    from llmspell_cli.formatting import to_json

    conn = client.connect(address)
    try:
        if not yes:
            info = client.model_request(conn, {"command": "info", "model": model})
            if info.get("status") != "ok":
                client.raise_error(info)
            target = info["result"]["id"]
            if not sys.stdin.isatty():
                raise llmspell.BadInputError(
                    f"Not removing {target}: confirmation needs a terminal. Pass -y to remove it."
                )
            sys.stderr.write(f"Remove {target}? [y/N] ")
            sys.stderr.flush()
            if sys.stdin.readline().strip().lower() not in ("y", "yes"):
                print(f"Kept {target}.", file=sys.stderr)
                return 1
        reply = client.model_request(conn, {"command": "remove", "model": model})
    finally:
        conn.close()
    if reply.get("status") != "ok":
        client.raise_error(reply)
    result = reply["result"]
    print(to_json(result) if format == "json" else f"Removed {result['id']}.")
    return _OK
