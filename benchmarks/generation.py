"""Generation speed through every llmspell path against raw llama-cpp-python, interleaved.

Each repetition gives every path the same new prompt (so neither side finds it in its prompt
cache) and runs the paths in a rotating order. Ratios are taken per repetition (llmspell over
the raw run of the same repetition) and the median is reported, which cancels most of the
drift caused by other work on a shared machine.

`llmspell chat` keeps its conversation when piped, so it is compared with a second raw
`Llama` that holds the same conversation (its history rendered by the same template, its
prompt cache reused the way llmspell reuses its own).
"""

from __future__ import annotations

from collections.abc import Callable

from common import Home, Row, Section, Settings, median
from drivers import (
    ChatPipe,
    LuaRun,
    PythonApi,
    RawLlama,
    Sample,
    describe_exception,
    llmspell_load_settings,
)

TOPICS = [
    "a lighthouse keeper",
    "a robot gardener",
    "two rival bakers",
    "a lost kitten",
    "a dragon who cannot fly",
    "a time-travelling librarian",
    "a village under the sea",
    "a chess-playing crow",
    "a clockmaker's apprentice",
    "a desert caravan",
    "a shy astronaut",
    "a haunted violin",
]
TPS_TARGET = 0.97
FIRST_TOKEN_TARGET_MS = 10.0
#: Replies per `llmspell chat` process: short chats keep the prompt (and its noise) small.
CHAT_TURNS = 3


def prompt(rep: int) -> str:
    topic = TOPICS[rep % len(TOPICS)]
    suffix = f" (version {rep // len(TOPICS) + 1})" if rep >= len(TOPICS) else ""
    return f"Write a long, detailed story about {topic}.{suffix}"


class Path_:
    """One llmspell path, its raw baseline and the samples of both."""

    def __init__(self, name: str, baseline: str) -> None:
        self.name = name
        self.baseline = baseline
        self.samples: list[tuple[Sample, Sample]] = []  # (llmspell, raw) per repetition
        self.error: str | None = None
        self.notes: list[str] = []


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("Generation (SmolLM2-135M Q4_1)")
    n = settings.tokens
    try:
        load = llmspell_load_settings()
        raw = RawLlama(load)
    except Exception as exc:
        section.rows.append(
            Row("generation", "not available yet", "", note=describe_exception(exc))
        )
        return section
    section.details.append(
        f"Both sides: n_ctx {raw.n_ctx}, n_batch {load.n_batch}, {load.n_threads} threads "
        f"(generation and batch), flash attention {'on' if load.flash_attn else 'off'}, "
        f"GPU layers {load.n_gpu_layers}; greedy (temperature 0), repeat penalty 1.1, seed 42, "
        f"{n} new tokens, {settings.reps} interleaved repetitions, medians."
    )
    section.details.append(
        "Each value is the median over the repetitions; each ratio (and the first-token "
        "difference) is the median of the per-repetition ratios (differences) between llmspell "
        "and the raw run of the same repetition, so it need not equal the ratio of the two "
        "medians shown. Decode tokens/s = (tokens − 1) / (time of the last token − time of the "
        "first), as llama-bench's tg; end-to-end = tokens / time from the call to the end of the "
        "stream; first-token latency = time from the call (or from writing the prompt line to "
        "the process) to the first text."
    )
    section.details.append(
        "Raw llama-cpp-python: `Llama.create_completion(prompt, stream=True)` on the prompt "
        "rendered by the GGUF's chat template with llama-cpp-python's `Jinja2ChatFormatter` "
        "before the clock starts, so only llmspell pays for rendering. Every prompt is new to "
        "both sides (no prompt-cache hit)."
    )
    raw.run(prompt(-1 % len(TOPICS)), 8)  # the first decode after a load is slow

    paths = {
        "api": Path_("llmspell Python API (`Manager().agent(...).stream`)", "raw"),
        "lua": Path_("`llmspell run` (Lua, `agent:execute_streaming`)", "raw"),
        "chat": Path_("`llmspell chat` (stdin piped)", "rawconv"),
    }
    drivers: dict[str, object] = {"raw": raw}

    def start(key: str, make: Callable[[], object]) -> None:
        try:
            drivers[key] = make()
        except Exception as exc:
            paths[key].error = describe_exception(exc)
            log(f"  {key}: not available: {paths[key].error}")

    start("api", lambda: PythonApi(home, n))
    if "api" in drivers:
        drivers["api"].run(prompt(0), 8)  # loads the model
    start("lua", lambda: LuaRun(home, n))
    if "lua" in drivers:
        paths["lua"].notes.append(
            "process start-up, model load and a first short answer, before the first prompt: "
            f"{drivers['lua'].ready_s:.2f} s (once per script, not in the timings)"
        )
    try:
        rawconv = RawLlama(load)
        rawconv.run(prompt(-1 % len(TOPICS)), 8)
    except Exception as exc:
        paths["chat"].error = describe_exception(exc)
        rawconv = None

    def chat_session() -> ChatPipe:
        """A new `llmspell chat` process and a new mirrored conversation, warmed up."""
        old = drivers.pop("chat", None)
        if old is not None:
            old.close()
        rawconv.history = []
        warm = "Hello! Tell me about yourself."
        expected = rawconv.run(warm, n, remember=True)
        chat = ChatPipe(home, n, rawconv)
        first = chat.run(warm, expected)
        if not paths["chat"].notes:
            paths["chat"].notes.append(
                f"process start-up + model load + first reply's first token: "
                f"{first.first_token_s:.2f} s (once per chat, not in the timings); a new chat "
                f"(process and mirrored conversation) every {CHAT_TURNS} repetitions"
            )
        return chat

    if rawconv is not None:
        # `llmspell chat` now reads piped stdin as ONE prompt (#15, docs/cli.md), so a piped
        # chat cannot be fed line by line any more; its one-shot start-up is the cold
        # one-shot section's (`llmspell exec`), its token loop the same as the Python API's.
        del paths["chat"]
        section.details.append(
            "`llmspell chat` is not in this table: piped stdin is one prompt since #15, so a "
            "conversation cannot be fed through a pipe; a one-shot's start-up is measured "
            "below (cold one-shot), and chat generates through the same token loop as the "
            "Python API."
        )

    units = ["raw", *[k for k in ("api", "lua", "chat") if k in drivers]]
    for rep in range(settings.reps):
        text = prompt(rep)
        order = units[rep % len(units) :] + units[: rep % len(units)]
        got: dict[str, Sample] = {}
        for key in order:
            try:
                if key == "chat":
                    if rep and rep % CHAT_TURNS == 0:
                        drivers["chat"] = chat_session()
                    if rep % 2 == 0:
                        got["rawconv"] = rawconv.run(text, n, remember=True)
                        got["chat"] = drivers["chat"].run(text, got["rawconv"])
                    else:  # the chat first, every other repetition
                        got["chat"] = drivers["chat"].run(text, None)
                        got["rawconv"] = rawconv.run(text, n, remember=True)
                        drivers["chat"].count(got["chat"], got["rawconv"])
                else:
                    got[key] = drivers[key].run(text, n)
            except Exception as exc:
                if key == "raw":
                    raise
                paths[key].error = describe_exception(exc)
                broken = drivers.pop(key, None)
                if broken is not None:
                    broken.close()
                units.remove(key)
        for key, path in paths.items():
            if key in got:
                path.samples.append((got[key], got[path.baseline]))
        log(
            f"  rep {rep + 1}/{settings.reps}: "
            + ", ".join(
                f"{k} {s.tokens_per_s:.0f} tok/s {s.first_token_s * 1000:.0f} ms"
                for k, s in got.items()
            )
        )

    for driver in drivers.values():
        driver.close()
    if rawconv is not None:
        rawconv.close()
    for path in paths.values():
        if path.samples:
            same = sum(a.text.strip() == b.text.strip() for a, b in path.samples)
            path.notes.append(
                f"same text as the raw run of the repetition in {same}/{len(path.samples)} "
                "repetitions (greedy decoding of the same tokens)"
            )
    for path in paths.values():
        section.rows += rows_for(path, n)
        section.details += [f"{path.name}: {note}" for note in path.notes]
    return section


def rows_for(path: Path_, n: int) -> list[Row]:
    if not path.samples:
        why = path.error or "no samples"
        return [Row(f"{path.name}: tokens/s", "not available yet", "", note=why)]
    mine = [s for s, _ in path.samples]
    base = [r for _, r in path.samples]
    short = [s.tokens for s in mine + base if s.tokens != n]
    note = f"; {len(short)} runs ended early (EOS)" if short else ""
    if path.error:
        note += f"; stopped early: {path.error}"
    decode = median([s.tokens_per_s / r.tokens_per_s for s, r in path.samples])
    e2e = median([(s.tokens / s.total_s) / (r.tokens / r.total_s) for s, r in path.samples])
    extra_ms = median([(s.first_token_s - r.first_token_s) * 1000 for s, r in path.samples])
    baseline = "raw (same conversation)" if path.baseline == "rawconv" else "raw"
    return [
        Row(
            f"{path.name}: decode tokens/s",
            f"{median([s.tokens_per_s for s in mine]):.1f} vs {baseline} "
            f"{median([r.tokens_per_s for r in base]):.1f}",
            f"≥ {TPS_TARGET:.2f}×",
            f"{decode:.3f}×",
            decode >= TPS_TARGET,
            note.lstrip("; "),
        ),
        Row(
            f"{path.name}: end-to-end tokens/s",
            f"{median([s.tokens / s.total_s for s in mine]):.1f} vs {baseline} "
            f"{median([r.tokens / r.total_s for r in base]):.1f}",
            f"≥ {TPS_TARGET:.2f}×",
            f"{e2e:.3f}×",
            e2e >= TPS_TARGET,
        ),
        Row(
            f"{path.name}: first-token latency",
            f"{median([s.first_token_s for s in mine]) * 1000:.1f} ms vs {baseline} "
            f"{median([r.first_token_s for r in base]) * 1000:.1f} ms",
            f"≤ raw + {FIRST_TOKEN_TARGET_MS:.0f} ms",
            f"{extra_ms:+.1f} ms",
            extra_ms <= FIRST_TOKEN_TARGET_MS,
        ),
    ]
