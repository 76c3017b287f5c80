"""`llmspell chat MODEL [PROMPT]` and `llmspell ask MODEL PROMPT`: talk to a model.

With a prompt (arguments, piped stdin, or both) the answer is printed once and the command
exits, as `ollama run MODEL "prompt"` and `llm "prompt"` do. Without one, on a terminal, the
interactive REPL starts (`llmspell_cli.repl`, which alone imports prompt_toolkit).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

from cyclopts import Parameter

from .. import session
from ..connected import Connect, kernel_module
from ..errors import OK
from ..options import (
    Format,
    ModelName,
    Threads,
    Verbose,
    apply_threads,
    show_load_decisions,
)
from ..session import manager

if TYPE_CHECKING:
    from llmspell import Agent, GenerationParams

_PROMPT = Parameter(
    allow_leading_hyphen=False,
    help="The prompt; several words are joined with spaces. Piped stdin is added after it.",
)
Temperature = Annotated[float | None, Parameter(help="Sampling temperature.")]
TopP = Annotated[float | None, Parameter(help="Nucleus sampling probability (0-1).")]
TopK = Annotated[int | None, Parameter(help="Sample from the k most likely tokens.")]
MaxTokens = Annotated[int | None, Parameter(help="Longest reply, in tokens.")]
Seed = Annotated[int | None, Parameter(help="Random seed, for repeatable replies.")]
System = Annotated[str | None, Parameter(help="System prompt.")]


def chat(
    model: ModelName,
    /,
    *prompt: Annotated[str, _PROMPT],
    system: System = None,
    temperature: Temperature = None,
    top_p: TopP = None,
    top_k: TopK = None,
    max_tokens: MaxTokens = None,
    seed: Seed = None,
    threads: Threads = None,
    verbose: Verbose = False,
    format: Format = "text",
    connect: Connect = None,
) -> int:
    """Chat with a model: one answer for a prompt, else an interactive session.

    llmspell chat smollm2 "Why is the sky blue?" answers and exits.
    Piped input is one prompt, after the argument:
    cat notes.txt | llmspell chat smollm2 "Summarize:".
    With no prompt on a terminal, a chat starts: /? lists its commands.

    Parameters
    ----------
    model
        Model specifier, e.g. smollm2:135m or local/phi3:3.8b@ollama.
    """
    from llmspell import BadInputError

    session.current().connect = connect  # read by load_agent: the kernel's model answers
    apply_threads(threads)
    params = _params(temperature, top_p, top_k, max_tokens, seed)
    text = _prompt_text(prompt)
    if text is None:
        if format == "json":
            raise BadInputError("--format json needs a prompt: llmspell chat MODEL 'prompt'.")
        from ..repl import run_repl

        return run_repl(model, system=system, params=params, verbose=verbose)
    return one_shot(model, text, system=system, params=params, verbose=verbose, format=format)


def ask(
    model: ModelName,
    /,
    *prompt: Annotated[str, _PROMPT],
    system: System = None,
    temperature: Temperature = None,
    top_p: TopP = None,
    top_k: TopK = None,
    max_tokens: MaxTokens = None,
    seed: Seed = None,
    threads: Threads = None,
    verbose: Verbose = False,
    format: Format = "text",
    connect: Connect = None,
) -> int:
    """Ask a model one thing and print the answer (never starts a chat).

    For example: llmspell ask smollm2 "Name three colors", or
    git diff | llmspell ask qwen2.5 "Write a commit message for it:".

    Parameters
    ----------
    model
        Model specifier, e.g. smollm2:135m or local/phi3:3.8b@ollama.
    """
    from llmspell import BadInputError

    session.current().connect = connect  # read by load_agent: the kernel's model answers
    apply_threads(threads)
    params = _params(temperature, top_p, top_k, max_tokens, seed)
    text = _prompt_text(prompt)
    if text is None:
        raise BadInputError(
            f"Nothing to ask: give a prompt (llmspell ask {model} 'Why is the sky blue?') "
            "or pipe one in."
        )
    return one_shot(model, text, system=system, params=params, verbose=verbose, format=format)


def _params(temperature, top_p, top_k, max_tokens, seed) -> GenerationParams:
    from llmspell import GenerationParams

    return GenerationParams(
        temperature=temperature, top_p=top_p, top_k=top_k, max_tokens=max_tokens, seed=seed
    )


def _prompt_text(words: tuple[str, ...]) -> str | None:
    """The argument prompt, then piped stdin after a blank line; None when neither was given."""
    parts = [" ".join(words).strip()]
    if not sys.stdin.isatty():
        parts.append(sys.stdin.read().strip())
    text = "\n\n".join(part for part in parts if part)
    if text:
        return text
    if words or not sys.stdin.isatty():
        from llmspell import BadInputError

        raise BadInputError("The prompt is empty; give some text after the model name.")
    return None


def load_agent(model: str, *, system: str | None, params: GenerationParams, verbose: bool) -> Agent:
    """The agent for `model`, pulled first when `auto_pull_missing` says so (with progress)."""
    from ..progress import PullReporter

    connect = getattr(session.current(), "connect", None)
    if connect:  # --connect: a RemoteAgent on the kernel's loaded model (llmspell-kernel)
        remote = kernel_module("remote").RemoteAgent
        return remote.open(connect, model, system_prompt=system, params=params)
    if verbose:
        show_load_decisions()
    reporter = PullReporter(sys.stderr)
    try:
        return manager().agent(
            model, system_prompt=system, params=params, name="chat", progress=reporter
        )
    finally:
        reporter.close()


def one_shot(
    model: str,
    text: str,
    *,
    system: str | None,
    params: GenerationParams,
    verbose: bool,
    format: str,
) -> int:
    from ..replies import print_reply, reply_to_json, truncation_notice

    agent = load_agent(model, system=system, params=params, verbose=verbose)
    if format == "json":
        result = agent.execute(text)
        print(reply_to_json(result))
    else:
        outcome = print_reply(agent, text, sys.stdout)
        result = outcome.result
        if verbose and result is not None:
            outcome.print_timings(sys.stderr)
    if result is not None and result.finish_reason == "length":
        print(truncation_notice(agent.params.max_tokens, "--max-tokens"), file=sys.stderr)
    return OK
