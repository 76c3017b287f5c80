"""The interactive chat: read a message, run a slash command or stream the model's reply.

Replies go to stdout, remarks (banner, notices, timings) to stderr, as in one-shot mode.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import attrs

from ..errors import OK
from ..replies import print_reply, truncation_notice
from . import commands
from .reader import EmptyInterrupt, line_source, read_message

if TYPE_CHECKING:
    from llmspell import Agent, GenerationParams

LEAVE_WORDS = ("exit", "quit")
HOW_TO_LEAVE = "Use Ctrl + d or /bye to exit."


@attrs.define
class ChatSession:
    """What a chat keeps between messages: the model, its agent and the /set toggles."""

    spec: str
    agent: Agent
    verbose: bool = False
    wordwrap: bool = True

    def handle(self, text: str) -> bool:
        """Act on one message; False when the chat should end."""
        stripped = text.strip()
        if not stripped:
            return True
        if stripped in LEAVE_WORDS:
            return False
        if stripped.startswith("/"):
            return commands.run(self, stripped)
        self.reply(text)
        return True

    def reply(self, text: str) -> None:
        try:
            outcome = print_reply(self.agent, text, sys.stdout, wrap=self.wordwrap)
        except KeyboardInterrupt:
            print("(reply stopped)", file=sys.stderr)
            return
        if self.verbose:
            outcome.print_timings(sys.stderr)
        if outcome.result is not None and outcome.result.finish_reason == "length":
            notice = truncation_notice(self.agent.params.max_tokens, "/set max_tokens")
            print(notice, file=sys.stderr)


def run_repl(model: str, *, system: str | None, params: GenerationParams, verbose: bool) -> int:
    """Chat on the terminal until /bye, exit, quit or Ctrl-D."""
    from ..commands.chat import load_agent

    print(f"Loading {model}...", file=sys.stderr)
    agent = load_agent(model, system=system, params=params, verbose=verbose)
    chat = ChatSession(model, agent, verbose=verbose)
    print(
        f"Chatting with {agent.model}. Type /? for help, /bye or Ctrl-D to leave; "
        f'""" starts a multi-line message.',
        file=sys.stderr,
    )
    source = line_source()
    while True:
        try:
            text = read_message(source)
        except EOFError:
            print(file=sys.stderr)
            return OK
        except EmptyInterrupt:
            print(HOW_TO_LEAVE, file=sys.stderr)
            continue
        if not chat.handle(text):
            return OK
