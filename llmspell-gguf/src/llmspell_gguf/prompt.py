"""Messages to prompt tokens: the chat template stored in the GGUF, or plain text without one.

A chat model's GGUF carries its Jinja chat template (`tokenizer.chat_template`), rendered
here with llama-cpp-python's `Jinja2ChatFormatter` (the same sandboxed environment and
variables as Transformers). A base model without a template, such as Gemma 3 270M, runs in
completion mode: the messages' texts, separated by blank lines, and the model continues them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from llmspell import BadInputError, InferenceError, Message

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
        rendered = formatter(messages=[{"role": m.role, "content": m.content} for m in messages])
    except Exception as exc:  # the template's own raise_exception, or a template bug
        raise BadInputError(
            f"The model's chat template rejected the conversation: {exc}. "
            "Check the order of system, user and assistant messages."
        ) from None
    return rendered.prompt, rendered.added_special


def _formatter(model: LoadedModel):
    import llama_cpp
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    def text_of(token: int) -> str:
        if token < 0:
            return ""
        return llama_cpp.llama_vocab_get_text(model.vocab, token).decode("utf-8", "replace")

    try:
        model.formatter = Jinja2ChatFormatter(
            template=model.chat_template or "",
            eos_token=text_of(llama_cpp.llama_vocab_eos(model.vocab)),
            bos_token=text_of(llama_cpp.llama_vocab_bos(model.vocab)),
        )
    except Exception as exc:
        raise InferenceError(
            f"The chat template in {model.path.name} does not compile ({exc}). "
            "Use another GGUF of this model."
        ) from None
    return model.formatter


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
    import llama_cpp

    room = len(data) + 8  # never fewer bytes than tokens, plus BOS/EOS
    tokens = (llama_cpp.llama_token * room)()
    n = llama_cpp.llama_tokenize(model.vocab, data, len(data), tokens, room, add_bos, special)
    if n < 0:  # cannot happen with the room above, but llama.cpp says how much it needs
        room = -n
        tokens = (llama_cpp.llama_token * room)()
        n = llama_cpp.llama_tokenize(model.vocab, data, len(data), tokens, room, add_bos, special)
    return tokens[:n]
