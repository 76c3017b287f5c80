"""A test plugin for CLI behaviour no real backend can show on demand.

Its pull is slow (`SCRIPTED_PULL_DELAY` seconds per 2 %) and resumable, so a test can watch the
progress bar and press Ctrl-C halfway; its model replies with what the conversation held
(`SCRIPTED_WORD_DELAY` seconds per word, one word per token for `max_tokens`), so a test can
see that `llmspell chat` keeps it, stop a reply, or cut one short. Installed through a real
entry point.
"""

import os
import time
from pathlib import Path

import llmspell
from llmspell import (
    CatalogEntry,
    CompletionResult,
    HealthStatus,
    LocalModel,
    ModelNotFoundError,
    PullProgress,
    StreamChunk,
)

TOTAL = 5_000_000


def store() -> Path:
    return Path(os.environ["LLMSPELL_HOME"]) / "scripted"


class ConversationProvider(llmspell.StreamingProvider):
    context_length = 4096

    def __init__(self, model):
        self.model = model

    def stream(self, request):
        roles = ",".join(m.role for m in request.messages)
        text = f"{len(request.messages)} messages ({roles}), last: {request.messages[-1].content}"
        delay = float(os.environ.get("SCRIPTED_WORD_DELAY", "0"))
        words, finish = text.split(" "), "stop"
        if request.params.max_tokens and len(words) > request.params.max_tokens:
            words, finish = words[: request.params.max_tokens], "length"  # a word per token
        for word in words:
            yield StreamChunk(word + " ")
            time.sleep(delay)
        result = CompletionResult(" ".join(words), self.model, "scripted", finish)
        yield StreamChunk("", done=True, result=result)


class ScriptedBackend(llmspell.Backend):
    type_name, priority = "scripted", 950

    def health(self):
        count = len(self.list_models())
        return HealthStatus("scripted", True, "0.0.1", model_count=count, endpoint=str(store()))

    def list_models(self):
        if not store().is_dir():
            return []
        return [
            LocalModel(p.stem, "scripted", p.stat().st_size, "Q4_0", p.stat().st_mtime, p)
            for p in sorted(store().glob("*.bin"))
        ]

    def provider(self, model):
        if not self.has_model(model):
            raise ModelNotFoundError(f"scripted has no model {model!r}.")
        return ConversationProvider(model)

    def available(self):
        return [CatalogEntry("tiny", "scripted", TOTAL, "A scripted test model", True)]

    def pull(self, model, *, force=False, quantization=None, progress=None):
        report = progress or (lambda event: None)
        store().mkdir(parents=True, exist_ok=True)
        partial = store() / f"{model}.partial"
        delay = float(os.environ.get("SCRIPTED_PULL_DELAY", "0"))
        done = partial.stat().st_size if partial.exists() else 0
        report(PullProgress(model, "pulling manifest"))
        with partial.open("ab") as out:
            while done < TOTAL:
                chunk = min(TOTAL // 50, TOTAL - done)
                out.write(b"\0" * chunk)
                out.flush()
                done += chunk
                report(PullProgress(model, f"pulling {model}", done, TOTAL))
                time.sleep(delay)
        report(PullProgress(model, "verifying sha256 digest"))
        partial.rename(store() / f"{model}.bin")
        return next(m for m in self.list_models() if m.name == model)

    def remove(self, model):
        path = store() / f"{model}.bin"
        if not path.exists():
            raise ModelNotFoundError(f"scripted has no model {model!r}.")
        path.unlink()


@llmspell.hookimpl
def llmspell_register_backends(register):
    register(ScriptedBackend)
