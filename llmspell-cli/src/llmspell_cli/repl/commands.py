"""Slash commands, as `ollama run` has them: /set, /show, /clear, /save, /load, /bye, /?.

Anything else that starts with `/` is an unknown command and never reaches the model.
Each handler returns False to end the chat. Mistakes print one sentence and the chat goes on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .session import ChatSession

HELP = '''Available Commands:
  /set            Set session variables (/? set)
  /show           Show model information (/? show)
  /clear          Forget the conversation
  /save NAME      Save the conversation
  /load NAME      Load a saved conversation
  /bye, /exit     Leave (so do exit, quit and Ctrl-D)
  /?, /help       Help for a command
  /? shortcuts    Help for keyboard shortcuts

Use """ to begin a multi-line message.'''

SET_HELP = """Available Commands:
  /set parameter NAME VALUE  Set a parameter (also /set NAME VALUE)
  /set system TEXT           Set the system message
  /set verbose               Show timings after each reply
  /set quiet                 Stop showing timings
  /set wordwrap              Wrap replies between words
  /set nowordwrap            Print replies unwrapped

Parameters: temperature, top_p, top_k, max_tokens (or num_predict), seed, repeat_penalty, stop"""

SHOW_HELP = """Available Commands:
  /show info         Show details for this model
  /show parameters   Show the parameters set in this chat
  /show system       Show the system message
  /show template     Show the prompt template
  /show license      Show the model's license"""

SHORTCUTS = """Available keyboard shortcuts:
  Ctrl + a            Move to the beginning of the line
  Ctrl + e            Move to the end of the line
  Ctrl + r            Search the history
  Up / Down           Earlier and later messages (kept across chats)
  Ctrl + c            Stop a reply, or clear the line
  Ctrl + d            Leave (on an empty line)
  Ctrl + l            Clear the screen"""

#: /set NAME VALUE: the parameter, its type, and other names for it (Ollama's).
PARAMETERS: dict[str, type] = {
    "temperature": float,
    "top_p": float,
    "top_k": int,
    "max_tokens": int,
    "seed": int,
    "repeat_penalty": float,
    "stop": str,
}
ALIASES = {"num_predict": "max_tokens", "max-tokens": "max_tokens", "top-p": "top_p"}


def say(text: str) -> None:
    print(text, file=sys.stderr)


def run(chat: ChatSession, line: str) -> bool:
    """Run the slash command `line`; False ends the chat."""
    from llmspell import LlmspellError

    word, _, rest = line.partition(" ")
    handler = COMMANDS.get(word.lower())
    if handler is None:
        say(f"Unknown command '{word}'. Type /? for help")
        return True
    try:
        return handler(chat, rest.strip())
    except LlmspellError as exc:
        say(exc.message)
        return True


def _bye(chat: ChatSession, arg: str) -> bool:
    return False


def _help(chat: ChatSession, arg: str) -> bool:
    topic = arg.lower().lstrip("/")
    say(
        {"set": SET_HELP, "show": SHOW_HELP, "shortcuts": SHORTCUTS, "shortcut": SHORTCUTS}.get(
            topic, HELP
        )
    )
    return True


def _clear(chat: ChatSession, arg: str) -> bool:
    chat.agent.reset()
    say("Cleared session context.")
    return True


def _set(chat: ChatSession, arg: str) -> bool:
    name, _, value = arg.partition(" ")
    name, value = name.lower(), value.strip()
    if name == "parameter":
        name, _, value = value.partition(" ")
        name, value = name.lower(), value.strip()
    toggles = {"verbose": ("verbose", True), "quiet": ("verbose", False)}
    toggles |= {"wordwrap": ("wordwrap", True), "nowordwrap": ("wordwrap", False)}
    if name in toggles:
        field, on = toggles[name]
        setattr(chat, field, on)
        say(f"Set '{name}' mode.")
    elif name == "system":
        chat.agent.system_prompt = value.strip('"') or None
        say("Set system message." if value else "Cleared system message.")
    elif ALIASES.get(name, name) in PARAMETERS and value:
        _set_parameter(chat, ALIASES.get(name, name), value)
        say(f"Set parameter '{name}' to '{value}'")
    else:
        say(SET_HELP)
    return True


def _set_parameter(chat: ChatSession, name: str, value: str) -> None:
    from llmspell import BadInputError

    kind = PARAMETERS[name]
    try:
        parsed = kind(value) if kind is not str else value
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise BadInputError(f"{name} takes {what}, got {value!r}.") from None
    chat.agent.params = attrs.evolve(chat.agent.params, **{name: parsed})


def _show(chat: ChatSession, arg: str) -> bool:
    topic = arg.lower()
    if topic == "info":
        from ..commands.model import info

        info(chat.spec)
    elif topic in ("parameters", "params"):
        print(_parameters_text(chat))
    elif topic == "system":
        print(chat.agent.system_prompt or "No system message was specified.")
    elif topic in ("template", "license"):
        from ..session import manager

        details = manager().info(chat.spec)
        print(_template_text(details) if topic == "template" else details.license or "Unknown.")
    else:
        say(SHOW_HELP)
    return True


def _parameters_text(chat: ChatSession) -> str:
    params = chat.agent.params
    chosen = [
        (f.name, getattr(params, f.name))
        for f in attrs.fields(type(params))
        if getattr(params, f.name) not in (None, ())
    ]
    if not chosen:
        return "No parameters set in this chat: the model's defaults apply (/set to change)."
    width = max(len(name) for name, _ in chosen) + 2
    lines = ["User defined parameters:"]
    lines += [f"  {name:<{width}}{value}" for name, value in chosen]
    return "\n".join(lines)


def _template_text(details) -> str:
    if details.chat_template:  # a typed ModelInfo field (contract, #11)
        return details.chat_template
    if details.has_chat_template:
        return "The model's own chat template (from its file) formats the conversation."
    if details.has_chat_template is False:
        return "This model has no chat template: messages are sent as plain text."
    return "The backend formats the conversation with the model's template."


def _save(chat: ChatSession, arg: str) -> bool:
    from . import conversations

    if not arg:
        say("Usage: /save NAME")
        return True
    conversation = conversations.Conversation(
        model=chat.spec,
        system=chat.agent.system_prompt,
        params={
            f.name: list(v) if isinstance(v, tuple) else v
            for f in attrs.fields(type(chat.agent.params))
            if (v := getattr(chat.agent.params, f.name)) not in (None, ())
        },
        messages=[{"role": m.role, "content": m.content} for m in chat.agent.history],
    )
    conversations.save(arg, conversation)
    say(f"Saved the conversation as '{arg}'.")
    return True


def _load(chat: ChatSession, arg: str) -> bool:
    from llmspell import GenerationParams, Message

    from . import conversations

    if not arg:
        say("Usage: /load NAME")
        return True
    saved = conversations.load(arg)
    params = GenerationParams(**saved.params)
    if saved.model != chat.spec:
        from ..commands.chat import load_agent

        say(f"Loading {saved.model}...")
        chat.agent = load_agent(saved.model, system=None, params=params, verbose=False)
        chat.spec = saved.model
    chat.agent.system_prompt = saved.system
    chat.agent.params = params
    chat.agent.history = [Message(m["role"], m["content"]) for m in saved.messages]
    count = len(saved.messages)
    say(f"Loaded '{arg}': {count} message{'s' if count != 1 else ''} with {saved.model}.")
    return True


COMMANDS: dict[str, Callable[[ChatSession, str], bool]] = {
    "/bye": _bye,
    "/exit": _bye,
    "/?": _help,
    "/help": _help,
    "/clear": _clear,
    "/reset": _clear,
    "/set": _set,
    "/show": _show,
    "/save": _save,
    "/load": _load,
}
