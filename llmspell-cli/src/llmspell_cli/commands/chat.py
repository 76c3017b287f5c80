"""`llmspell chat MODEL`: a streaming conversation on a terminal, or one answer per piped line."""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, Annotated

from cyclopts import Parameter

from ..errors import INTERRUPTED, OK
from ..session import manager

if TYPE_CHECKING:
    from llmspell import Agent

BYE = "/bye"
HELP_TEXT = "/bye (or Ctrl-D) leaves, /reset forgets the conversation, Ctrl-C stops a reply."


def chat(
    model: str,
    /,
    *,
    system: Annotated[str | None, Parameter(help="System prompt.")] = None,
    temperature: Annotated[float | None, Parameter(help="Sampling temperature.")] = None,
    top_p: Annotated[float | None, Parameter(help="Nucleus sampling probability (0-1).")] = None,
    top_k: Annotated[int | None, Parameter(help="Sample from the k most likely tokens.")] = None,
    max_tokens: Annotated[int | None, Parameter(help="Longest reply, in tokens.")] = None,
    seed: Annotated[int | None, Parameter(help="Random seed, for repeatable replies.")] = None,
) -> int:
    """Chat with a model, its replies streamed as they are generated.

    The conversation is kept until /bye or Ctrl-D. With piped stdin each line read gets one
    answer line, without prompts: echo Hi | llmspell chat smollm2:135m.

    Parameters
    ----------
    model
        Model specifier, e.g. smollm2:135m or local/phi3:3.8b@ollama.
    """
    from llmspell import GenerationParams

    from ..progress import PullReporter

    params = GenerationParams(
        temperature=temperature, top_p=top_p, top_k=top_k, max_tokens=max_tokens, seed=seed
    )
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"Loading {model}...", file=sys.stderr)
    # With auto_pull_missing, a missing model is pulled first: show that like `model pull`.
    reporter = PullReporter(sys.stderr)
    try:
        agent = manager().agent(
            model, system_prompt=system, params=params, name="chat", progress=reporter
        )
    finally:
        reporter.close()
    if interactive:
        return _interactive(agent)
    for line in sys.stdin:
        text = line.strip()
        if text == BYE:
            break
        if text:
            _reply(agent, text)
    return OK


def _interactive(agent: Agent) -> int:
    with contextlib.suppress(ImportError):  # line editing and history for input()
        import readline  # noqa: F401
    print(f"Chatting with {agent.model}. {HELP_TEXT}", file=sys.stderr)
    while True:
        try:
            text = input(">>> ").strip()
        except EOFError:
            print(file=sys.stderr)
            return OK
        except KeyboardInterrupt:
            print(file=sys.stderr)
            return INTERRUPTED
        if text == BYE:
            return OK
        if text == "/reset":
            agent.reset()
            print("Conversation forgotten.", file=sys.stderr)
        elif text in ("/?", "/help"):
            print(HELP_TEXT, file=sys.stderr)
        elif text:
            try:
                _reply(agent, text)
            except KeyboardInterrupt:
                print("\n(reply stopped)", file=sys.stderr)


def _reply(agent: Agent, text: str) -> None:
    """Stream one reply to stdout, trimmed of the whitespace models put around answers."""
    out = sys.stdout
    pending, started = "", False
    stream = agent.stream(text)
    try:
        for chunk in stream:
            piece = pending + chunk.text
            if not started:
                piece = piece.lstrip()
                started = bool(piece)
            shown = piece.rstrip()
            pending = piece[len(shown) :]
            if shown:
                out.write(shown)
                out.flush()
    finally:
        stream.close()
        out.write("\n")
        out.flush()
