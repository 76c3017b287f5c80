"""One generation through each path, timed the same way: from the call to the first text and
to the end of the stream.

Every driver is set up once (its model loaded and warmed up outside the timings) and then asked
for one answer per prompt. In-process drivers time with `perf_counter` around the call; the
subprocess drivers (`llmspell run`, `llmspell chat`) keep one process alive and time from the
moment the prompt line is written to its stdin to the first byte and the last byte of the answer
on its stdout, so they include everything a user of that command waits for except the start-up
and the model load, which happen once per process and are reported separately.
"""

from __future__ import annotations

import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from common import (
    REPEAT_PENALTY,
    SEED,
    TEMPERATURE,
    Home,
    NotAvailable,
    llmspell_command,
    model_path,
)

HERE = Path(__file__).resolve().parent
END_MARK = b"\x1eEND"


@dataclass
class Sample:
    first_token_s: float
    total_s: float
    tokens: int
    text: str
    finish: str

    @property
    def tokens_per_s(self) -> float:
        """Decode speed: tokens after the first over the time after the first (llama-bench tg)."""
        decode = self.total_s - self.first_token_s
        return (self.tokens - 1) / decode if decode > 0 and self.tokens > 1 else float("nan")


@dataclass
class LoadSettings:
    """What llmspell loaded the model with; raw llama-cpp-python is given the same."""

    n_ctx: int
    n_batch: int
    n_threads: int
    flash_attn: bool
    n_gpu_layers: int = 0


def llmspell_load_settings() -> LoadSettings:
    """Read the options llmspell's loader resolved (threads = physical cores, context, batch)."""
    try:
        from llmspell import load_config
        from llmspell_gguf.loader import LoadOptions
        from llmspell_gguf.options import GgufOptions
    except ImportError as exc:
        raise NotAvailable(f"the GGUF backend's loader is missing ({exc})") from None
    opts = LoadOptions.from_options(GgufOptions.from_config(load_config()))
    return LoadSettings(
        n_ctx=opts.n_ctx,
        n_batch=opts.n_batch,
        n_threads=opts.n_threads,
        flash_attn=opts.flash_attn,
        n_gpu_layers=max(0, opts.n_gpu_layers),
    )


def params(tokens: int):
    from llmspell import GenerationParams

    return GenerationParams(
        temperature=TEMPERATURE, max_tokens=tokens, seed=SEED, repeat_penalty=REPEAT_PENALTY
    )


# -- raw llama-cpp-python ---------------------------------------------------------------------


class RawLlama:
    """`Llama.create_completion(stream=True)` on the prompt rendered by the GGUF's template.

    The chat template is rendered with llama-cpp-python's own `Jinja2ChatFormatter` before the
    clock starts, so the baseline pays nothing for it while llmspell's paths include their
    rendering: the comparison is strict for llmspell.
    """

    label = "raw llama-cpp-python"

    def __init__(self, settings: LoadSettings) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.llm = Llama(
            model_path=str(model_path()),
            n_ctx=settings.n_ctx,
            n_batch=settings.n_batch,
            n_ubatch=settings.n_batch,
            n_threads=settings.n_threads,
            n_threads_batch=settings.n_threads,
            n_gpu_layers=settings.n_gpu_layers,
            flash_attn=settings.flash_attn,
            verbose=False,
        )
        self.n_ctx = self.llm.n_ctx()
        vocab_text = lambda t: self.llm.detokenize([t], special=True).decode()  # noqa: E731
        self.formatter = Jinja2ChatFormatter(
            template=self.llm.metadata["tokenizer.chat_template"],
            eos_token=vocab_text(self.llm.token_eos()),
            bos_token=vocab_text(self.llm.token_bos()),
        )
        self.history: list[dict[str, str]] = []

    def render(self, messages: list[dict[str, str]]) -> str:
        return self.formatter(messages=messages).prompt

    def run(self, text: str, tokens: int, remember: bool = False) -> Sample:
        """In llmspell's decode thread: two threads decoding in one process would each own
        an OpenMP team, and two teams on two cores slow both sides down about threefold."""
        from llmspell_gguf.batching import in_decode_thread

        return in_decode_thread(self._run, text, tokens, remember)

    def _run(self, text: str, tokens: int, remember: bool) -> Sample:
        messages = (
            [*self.history, {"role": "user", "content": text}]
            if remember
            else [{"role": "user", "content": text}]
        )
        prompt = self.render(messages)
        pieces: list[str] = []
        first = None
        finish = ""
        start = time.perf_counter()
        for chunk in self.llm.create_completion(
            prompt,
            max_tokens=tokens,
            temperature=TEMPERATURE,
            repeat_penalty=REPEAT_PENALTY,
            seed=SEED,
            stream=True,
        ):
            choice = chunk["choices"][0]
            if choice["text"]:
                if first is None:
                    first = time.perf_counter()
                pieces.append(choice["text"])
            finish = choice["finish_reason"] or finish
        end = time.perf_counter()
        answer = "".join(pieces)
        if remember:
            self.history += [
                {"role": "user", "content": text},
                {"role": "assistant", "content": answer},
            ]
        count = tokens if finish == "length" else len(self.llm.tokenize(answer.encode(), False))
        return Sample((first or end) - start, end - start, count, answer, finish)

    def close(self) -> None:
        self.llm.close()


# -- llmspell's Python API ----------------------------------------------------------------------


class PythonApi:
    """`Manager().agent(spec).stream(text)`, a fresh conversation for every prompt."""

    label = "llmspell Python API"

    def __init__(self, home: Home, tokens: int) -> None:
        from llmspell import Manager

        spec = home.import_model()
        try:
            self.agent = Manager().agent(spec, params=params(tokens))
        except Exception as exc:
            raise NotAvailable(f"Manager().agent failed: {type(exc).__name__}: {exc}") from None

    def run(self, text: str, tokens: int) -> Sample:
        self.agent.reset()
        first = None
        result = None
        pieces: list[str] = []
        start = time.perf_counter()
        for chunk in self.agent.stream(text):
            if chunk.text:
                if first is None:
                    first = time.perf_counter()
                pieces.append(chunk.text)
            if chunk.done:
                result = chunk.result
        end = time.perf_counter()
        if result is None:
            raise RuntimeError("the stream ended without a final chunk (done=True with a result)")
        return Sample(
            (first or end) - start,
            end - start,
            result.usage.completion,
            result.text,
            result.finish_reason,
        )

    def close(self) -> None:
        pass


# -- subprocesses -------------------------------------------------------------------------------


class _Pipe:
    """A long-lived child whose stdout bytes are timestamped as they arrive."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            bufsize=0,
        )
        self.argv = argv
        self.chunks: queue.Queue[tuple[float, bytes]] = queue.Queue()
        self.stderr = b""
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read(self) -> None:
        fd = self.proc.stdout.fileno()
        while True:
            data = os.read(fd, 65536)
            self.chunks.put((time.perf_counter(), data))
            if not data:
                return

    def _read_err(self) -> None:
        self.stderr = self.proc.stderr.read()

    def drain(self) -> bytes:
        """Whatever arrived since the last answer was taken (nothing, normally)."""
        left = b""
        while True:
            try:
                left += self.chunks.get_nowait()[1]
            except queue.Empty:
                return left

    def send(self, line: str) -> float:
        start = time.perf_counter()
        self.proc.stdin.write(line.encode() + b"\n")
        return start

    def next(self, timeout: float) -> tuple[float, bytes]:
        try:
            stamp, data = self.chunks.get(timeout=timeout)
        except queue.Empty:
            return time.perf_counter(), b"\0timeout"
        if not data:
            self.proc.wait(timeout=10)
            err = self.stderr.decode(errors="replace").strip()[-600:]
            raise NotAvailable(
                f"`{' '.join(Path(a).name for a in self.argv[:3])}` exited "
                f"({self.proc.returncode}): {err}"
            )
        return stamp, data

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


LUA_SCRIPT = HERE / "lua" / "stream_answers.lua"


class LuaRun:
    """`llmspell run stream_answers.lua`: Agent.create + execute_streaming, one answer a line.

    The script prints READY once the model is loaded (its first agent has answered), then for
    each line on stdin streams the answer with io.write and ends it with a marker carrying the
    completion token count reported by the agent.
    """

    label = "llmspell run (Lua)"

    def __init__(self, home: Home, tokens: int) -> None:
        spec = home.import_model()
        argv = [*llmspell_command(), "run", str(LUA_SCRIPT), spec, str(tokens), str(SEED)]
        self.pipe = _Pipe(argv, home.env, home.path)
        started = time.perf_counter()
        buf = b""
        while b"READY\n" not in buf:
            stamp, data = self.pipe.next(timeout=120)
            if data == b"\0timeout":
                raise NotAvailable("the Lua script did not become ready within 120 s")
            buf += data
        self.ready_s = stamp - started

    def run(self, text: str, tokens: int) -> Sample:
        start = self.pipe.send(text)
        first = end = None
        buf = b""
        while not (END_MARK in buf and buf.endswith(b"\n")):
            end, data = self.pipe.next(timeout=120)
            if data == b"\0timeout":
                raise NotAvailable("the Lua script stopped answering (120 s without output)")
            if first is None and not data.startswith(END_MARK):
                first = end
            buf += data
        body, _, tail = buf.partition(END_MARK)
        fields = tail.decode().split()
        count = int(fields[0]) if fields and fields[0].isdigit() else tokens
        finish = fields[1] if len(fields) > 1 else ""
        return Sample(
            (first or end) - start, end - start, count, body.decode("utf-8", "replace"), finish
        )

    def close(self) -> None:
        self.pipe.close()


class ChatPipe:
    """`llmspell chat MODEL` with its stdin piped: one answer per line, the conversation kept.

    The answer has no end marker (the command prints the reply and a newline), so the answer is
    complete when its text equals the mirrored raw conversation's reply or, when that is not
    known yet or the texts differ, after two quiet seconds following a newline (the end time is
    the last byte's, so the wait is not counted).
    """

    label = "llmspell chat (piped)"
    QUIET_S = 2.0

    def __init__(self, home: Home, tokens: int, mirror: RawLlama) -> None:
        spec = home.import_model()
        argv = [
            *llmspell_command(),
            "chat",
            spec,
            "--temperature",
            str(TEMPERATURE),
            "--max-tokens",
            str(tokens),
            "--seed",
            str(SEED),
        ]
        self.mirror = mirror
        self.pipe = _Pipe(argv, home.env, home.path)

    def run(self, text: str, expected: Sample | None) -> Sample:
        """One reply; without `expected` (the raw side has not answered yet) it ends on quiet."""
        want = expected.text.strip().encode() + b"\n" if expected is not None else None
        self.pipe.drain()
        start = self.pipe.send(text)
        first = None
        end = start
        buf = b""
        while buf != want:
            wait = self.QUIET_S if buf.endswith(b"\n") else 180
            stamp, data = self.pipe.next(timeout=wait)
            if data == b"\0timeout":
                if buf.endswith(b"\n"):
                    break
                raise NotAvailable("llmspell chat stopped answering (180 s without output)")
            if first is None:
                first = stamp
            end = stamp
            buf += data
        answer = buf.decode(errors="replace").rstrip("\n")
        sample = Sample((first or end) - start, end - start, 0, answer, "")
        if expected is not None:
            self.count(sample, expected)
        return sample

    def count(self, sample: Sample, expected: Sample) -> None:
        """Tokens in the reply: the raw side's count when the texts agree, else re-tokenized."""
        if sample.text == expected.text.strip():
            sample.tokens = expected.tokens
            sample.finish = expected.finish
        else:
            sample.tokens = len(self.mirror.llm.tokenize(sample.text.encode(), False))

    def close(self) -> None:
        self.pipe.close()


def describe_exception(exc: BaseException) -> str:
    if isinstance(exc, NotAvailable):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
