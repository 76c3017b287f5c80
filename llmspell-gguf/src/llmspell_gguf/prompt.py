"""Messages to prompt tokens: the chat template stored in the GGUF, or plain text without one.

A chat model's GGUF carries its Jinja chat template (`tokenizer.chat_template`), rendered
here with llama-cpp-python's `Jinja2ChatFormatter` (the same sandboxed environment and
variables as Transformers). A base model without a template, such as Gemma 3 270M, runs in
completion mode: the messages' texts, separated by blank lines, and the model continues them.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from llmspell import BadInputError, InferenceError, Message

from . import bindings

if TYPE_CHECKING:
    from .loader import LoadedModel

#: Between messages in completion mode (no chat template).
PLAIN_SEPARATOR = "\n\n"


def uses_chat_template(model: LoadedModel) -> bool:
    return model.chat_template is not None


def render(model: LoadedModel, messages: Sequence[Message]) -> tuple[str, bool]:
    """The prompt text and whether it already holds its special tokens (BOS)."""
    if not messages:
        raise BadInputError("A request needs at least one message; give the model some text.")
    if model.chat_template is None:
        return PLAIN_SEPARATOR.join(m.content for m in messages), False
    formatter = model.formatter or _formatter(model)
    try:
        text = formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
    except Exception as exc:  # the template's own raise_exception, or a template bug
        raise BadInputError(
            f"The model's chat template rejected the conversation: {exc}. "
            "Check the order of system, user and assistant messages."
        ) from None
    return text, True  # the template writes its own special tokens (BOS included)


def _formatter(model: LoadedModel):
    """The GGUF's template compiled as llama-cpp-python's `Jinja2ChatFormatter` (and
    Transformers) compile chat templates: sandboxed, same extensions, filters and globals.
    Built here so generating never imports llama-cpp-python's high-level API."""
    llama_cpp = bindings.load()

    def text_of(token: int) -> str:
        if token < 0:
            return ""
        return llama_cpp.llama_vocab_get_text(model.vocab, token).decode("utf-8", "replace")

    try:
        template = _compile(model.chat_template or "")
    except Exception as exc:
        raise InferenceError(
            f"The chat template in {model.path.name} does not compile ({exc}). "
            "Use another GGUF of this model."
        ) from None
    eos = text_of(llama_cpp.llama_vocab_eos(model.vocab))
    bos = text_of(llama_cpp.llama_vocab_bos(model.vocab))

    def raise_exception(message: str):
        raise ValueError(message)

    def format_messages(*, messages: list[dict[str, str]]) -> str:
        return template.render(
            messages=messages,
            eos_token=eos,
            bos_token=bos,
            raise_exception=raise_exception,
            add_generation_prompt=True,
            functions=None,
            function_call=None,
            tools=None,
            tool_choice=None,
            strftime_now=lambda f: datetime.datetime.now().strftime(f),
        )

    model.formatter = format_messages
    return model.formatter


def _compile(source: str):
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class IgnoreGenerationTags(jinja2.ext.Extension):
        """Transformers' `{% generation %}` tag renders its body unchanged."""

        tags = frozenset({"generation"})

        def parse(self, parser):
            parser.stream.skip(1)
            return parser.parse_statements(("name:endgeneration",), drop_needle=True)

    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.BaseLoader(),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[IgnoreGenerationTags, jinja2.ext.loopcontrols],
    )
    environment.filters["tojson"] = _tojson
    return environment.from_string(source)


def _tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) -> str:
    import json

    return json.dumps(
        x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def tokenize(model: LoadedModel, messages: Sequence[Message]) -> list[int]:
    """Prompt tokens for `messages`, BOS included when the model wants one."""
    text, has_specials = render(model, messages)
    templated = model.chat_template is not None
    add_bos = model.add_bos and not has_specials
    # Control tokens are parsed only in text the template wrote, never in plain user text.
    return _tokenize(model, text.encode("utf-8"), add_bos, templated)


def _tokenize(model: LoadedModel, data: bytes, add_bos: bool, special: bool) -> list[int]:
    """llama.cpp's tokenizer with a buffer sized to the text (llama-cpp-python allocates one
    as large as the training context, which costs more than tokenizing a short prompt)."""
    llama_cpp = bindings.load()

    room = len(data) + 8  # never fewer bytes than tokens, plus BOS/EOS
    tokens = (llama_cpp.llama_token * room)()
    n = llama_cpp.llama_tokenize(model.vocab, data, len(data), tokens, room, add_bos, special)
    if n < 0:  # cannot happen with the room above, but llama.cpp says how much it needs
        room = -n
        tokens = (llama_cpp.llama_token * room)()
        n = llama_cpp.llama_tokenize(model.vocab, data, len(data), tokens, room, add_bos, special)
    return tokens[:n]
