"""Continuous batching: every generation on one loaded model is decoded in the same batch.

A loaded model has one llama.cpp context whose KV cache is shared by up to `parallel`
sequences (`n_seq_max`, unified cache). Each generation is a `Sequence` with its own
sequence id, sampler chain, UTF-8 decoder and stop scanner. There is no scheduler thread:
a reader that finds its sequence's buffer empty takes the step lock and runs one step for
everyone — one `llama_decode` over one token per generating sequence plus the next chunk
of any prompt waiting to be evaluated — then samples each sequence's next token and appends
its text to that sequence's buffer. A lone stream therefore runs the same loop as before
batching (its own thread decodes, no hand-off), several threads share every decode, and one
thread reading several streams in turn (Lua coroutines, `zip`) batches them as well.

Sequences join and leave between steps. A sequence is admitted when a sequence id is free
and its prompt plus its reply budget (`max_tokens`, or the rest of the context) fits in the
cells the running sequences have not reserved, so no running sequence can find the cache
full. A finished sequence's cells stay cached under its id (the next turn of a chat reuses
its prefix, as the single-sequence loop did) until a newcomer needs the room; the least
recently used are evicted first.
"""

from __future__ import annotations

import codecs
import ctypes
import itertools
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import attrs
from llmspell import InferenceError

from . import bindings
from .sampling import RepeatPenalty, Sampling, build_chain, repeat_penalty
from .stop_scanner import StopScanner

if TYPE_CHECKING:
    from .loader import LoadedModel

#: A sequence whose reader has this many pieces unread sits out of the steps until it
#: catches up (a stream left suspended must not run on to max_tokens for nothing).
HOLD = 64


class _Decoder:
    """The one thread of the process that calls `llama_decode`.

    llama.cpp computes with an OpenMP team owned by the calling thread. When a second
    thread starts decoding, the first one's team keeps spinning for a while and the two
    fight over the cores: a stream read from a worker thread after the main thread had
    decoded ran at a third of the speed (27 against 80 tokens/s with SmolLM2 on two cores).
    So every decode, whichever reader runs the step, is handed to this thread; the rest
    of a step (filling the batch, sampling, text) stays in the reader's thread.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    def decode(self, ctx, batch) -> int:
        return self.call(bindings.load().llama_decode, ctx, batch)

    def call(self, fn, *args):
        """`fn(*args)` run in the decode thread (other llama.cpp users in the process, such
        as a benchmark's raw llama-cpp-python, can share its OpenMP team this way)."""
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._serve, name="llmspell-decode", daemon=True
                    )
                    self._thread.start()
        if threading.current_thread() is self._thread:
            return fn(*args)
        done = threading.Event()
        box: list = []
        self._jobs.put((fn, args, box, done))
        try:
            done.wait()
        except BaseException:
            done.wait()  # the call in flight may read the caller's batch: let it finish
            raise
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    def _serve(self) -> None:
        while True:
            fn, args, box, done = self._jobs.get()
            try:
                box.append(fn(*args))
            except BaseException as exc:  # handed to the caller
                box.append(exc)
            done.set()


_decoder = _Decoder()
#: Run a callable in the thread that decodes (see `_Decoder`).
in_decode_thread = _decoder.call


class SupersededError(InferenceError):
    """A stream was resumed after its thread had to give its place to a newer request."""


class ModelClosedError(InferenceError):
    """The model was unloaded before the sequence could start; load it again and retry."""


@attrs.define
class Outcome:
    """Filled in as generation runs; complete once the iterator is exhausted."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "length"


@attrs.define(eq=False)
class Slot:
    """A sequence id and the tokens whose keys and values it holds in the KV cache."""

    seq_id: int
    tokens: list[int] = attrs.field(factory=list)
    sequence: Sequence | None = None
    used: int = 0  # when it last served a sequence, for least-recently-used eviction


@attrs.define(eq=False)
class Sequence:
    """One generation: its prompt, its sampler and what it produced but nobody read yet."""

    slot: Slot
    prompt: list[int]
    reserve: int  # KV cells it may fill: prompt + reply budget
    limit: int  # completion tokens at most
    chain: object
    penalty: RepeatPenalty | None
    scanner: StopScanner | None
    outcome: Outcome
    owner: int  # the thread that opened it
    utf8: Callable[[bytes], str] = attrs.field(
        factory=lambda: codecs.getincrementaldecoder("utf-8")("replace").decode
    )
    out: deque[str] = attrs.field(factory=deque)
    token: int | None = None  # sampled, not yet decoded
    logits_at: int = -1  # batch row holding its logits after this step
    count: int = 0
    finished: bool = False
    error: BaseException | None = None


class Batcher:
    """The sequences of one loaded model, and the step that decodes them together."""

    def __init__(self, model: LoadedModel) -> None:
        llama_cpp = bindings.load()

        self.model = model
        self.n_ctx = model.n_ctx
        self.n_batch = model.n_batch
        # A step always has room for every sequence's token plus some prompt.
        self.parallel = max(1, min(model.options.parallel, max(1, self.n_batch // 2)))
        self.slots = [Slot(i) for i in range(self.parallel)]
        self.running: list[Sequence] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._clock = itertools.count(1)
        self._batch = llama_cpp.llama_batch_init(self.n_batch, 0, 1)
        for i in range(self.n_batch):
            self._batch.n_seq_id[i] = 1
        self._memory = llama_cpp.llama_get_memory(model.ctx)
        self._piece = ctypes.create_string_buffer(64)
        self._free_model: Callable[[], None] | None = None
        self._closed = False
        #: The most sequences one llama_decode has served (observability, tests).
        self.most_together = 0

    # -- joining and leaving ---------------------------------------------------------

    def open(self, prompt: list[int], sampling: Sampling, outcome: Outcome) -> Sequence:
        """Admit a sequence, waiting for an id and context room; its prompt is evaluated by
        the next step."""
        n_prompt = len(prompt)
        outcome.prompt_tokens = n_prompt
        if n_prompt >= self.n_ctx:  # a runtime failure, as docs/python-api.md says (exit 1)
            raise InferenceError(
                f"The prompt is {n_prompt} tokens but the model's context holds {self.n_ctx}. "
                "Shorten the conversation (agent.reset()) or raise context_size in "
                "[providers.gguf.options]."
            )
        room = self.n_ctx - n_prompt
        limit = sampling.max_tokens if 0 < sampling.max_tokens <= room else room
        reserve = n_prompt + limit
        me = threading.get_ident()
        with self._changed:
            while True:
                if self._closed:
                    raise ModelClosedError("The model was unloaded; load it again.")
                free = [s for s in self.slots if s.sequence is None]
                if free and self._reserved() + reserve <= self.n_ctx:
                    break
                mine = [s for s in self.running if s.owner == me]
                if mine:
                    # This thread cannot read its older stream while it waits here: the
                    # older one gives way (it raises SupersededError if read again).
                    self._supersede(mine[0])
                    continue
                self._changed.wait()
            slot = self._choose(free, prompt)
            self._make_room(slot, reserve)
            self._trim(slot, prompt)
            chain = build_chain(sampling)
            scanner = StopScanner(sampling.stop) if sampling.stop else None
            penalty = repeat_penalty(sampling)
            sequence = Sequence(slot, prompt, reserve, limit, chain, penalty, scanner, outcome, me)
            slot.sequence = sequence
            slot.used = next(self._clock)
            self.running.append(sequence)
            return sequence

    def leave(self, sequence: Sequence) -> None:
        """End `sequence` (read to the end, closed early or failed); its id is free again."""
        with self._changed:
            self._retire(sequence)

    def pieces(self, sequence: Sequence) -> Iterator[str]:
        """The sequence's text as it is generated; steps the batch when nothing is buffered."""
        out = sequence.out
        lock = self._lock
        try:
            while True:
                if out:
                    yield out.popleft()
                    continue
                if sequence.finished:
                    break
                with lock:
                    if not out and not sequence.finished:
                        self._step()
            if sequence.error is not None:
                raise sequence.error
        finally:
            self.leave(sequence)

    def clear_cache(self) -> None:
        """Forget every cached prefix not in use (the next prompt is evaluated in full)."""
        with self._changed:
            for slot in self.slots:
                if slot.sequence is None:
                    self._forget(slot)

    def close(self, free: Callable[[], None]) -> None:
        """Call `free` now when no sequence runs, else when the last one leaves."""
        with self._changed:
            self._free_model = free
            self._closed = True
            self._changed.notify_all()
            if not self.running:
                self._release_native()

    # -- inside the lock -------------------------------------------------------------

    def _reserved(self) -> int:
        return sum(s.reserve for s in self.running)

    def _choose(self, free: list[Slot], prompt: list[int]) -> Slot:
        """The free id whose cached tokens share the longest prefix with `prompt`."""

        def shared(slot: Slot) -> int:
            n = 0
            for a, b in zip(slot.tokens, prompt, strict=False):
                if a != b:
                    break
                n += 1
            return n

        return max(free, key=lambda s: (shared(s), not s.tokens, -s.used))

    def _make_room(self, chosen: Slot, reserve: int) -> None:
        """Evict idle caches, least recently used first, until `reserve` cells are free.

        A sequence starting alone after others ran gets an empty cache: its cells are then
        laid out in order from the first, as in a context of its own, so it attends over
        nothing else and a lone stream's arithmetic (and greedy text) never depends on
        what ran before it.
        """
        idle = sorted(
            (s for s in self.slots if s.sequence is None and s is not chosen and s.tokens),
            key=lambda s: s.used,
        )
        if not self.running:
            if idle:
                llama_cpp = bindings.load()
                llama_cpp.llama_memory_clear(self._memory, True)
                for slot in self.slots:
                    slot.tokens = []
            return
        held = sum(len(s.tokens) for s in idle) + self._reserved() + reserve
        for slot in idle:
            if held <= self.n_ctx:
                break
            held -= len(slot.tokens)
            self._forget(slot)

    def _trim(self, slot: Slot, prompt: list[int]) -> None:
        """Keep the longest cached prefix of `prompt` in `slot`, drop the rest."""
        llama_cpp = bindings.load()

        cached = slot.tokens
        reuse = 0
        for a, b in zip(cached, prompt, strict=False):
            if a != b:
                break
            reuse += 1
        if reuse == len(prompt):
            reuse -= 1  # the last prompt token is decoded again: sampling needs its logits
        n_swa = self.model.n_swa
        if reuse and n_swa > 0:
            # A sliding-window cache keeps only the last n_swa positions; a prefix is
            # reusable only if the window before its end is still there.
            first = llama_cpp.llama_memory_seq_pos_min(self._memory, slot.seq_id)
            if first > max(0, reuse - n_swa):
                reuse = 0
        if reuse < len(cached):
            if reuse == 0 or not llama_cpp.llama_memory_seq_rm(
                self._memory, slot.seq_id, reuse, -1
            ):
                self._forget(slot)
                return
            del cached[reuse:]

    def _forget(self, slot: Slot) -> None:
        llama_cpp = bindings.load()

        llama_cpp.llama_memory_seq_rm(self._memory, slot.seq_id, -1, -1)
        slot.tokens = []

    def _supersede(self, sequence: Sequence) -> None:
        sequence.error = SupersededError(
            "This stream was interrupted: a newer request on the same model started in this "
            "thread before it was read to the end. Read the new reply instead."
        )
        sequence.out.clear()
        self._retire(sequence)

    def _retire(self, sequence: Sequence) -> None:
        """Take `sequence` out of the steps; its cached cells stay for prefix reuse."""
        llama_cpp = bindings.load()

        if sequence.chain is not None:
            llama_cpp.llama_sampler_free(sequence.chain)
            sequence.chain = None
        sequence.finished = True
        if sequence in self.running:
            self.running.remove(sequence)
            slot = sequence.slot
            slot.sequence = None
            slot.used = next(self._clock)
            if sequence.error is not None and not isinstance(sequence.error, SupersededError):
                self._forget(slot)  # after a failed decode its cells are in an unknown state
            self._changed.notify_all()
        if self._closed and not self.running:
            self._release_native()

    def _release_native(self) -> None:
        llama_cpp = bindings.load()

        if self._batch is not None:
            llama_cpp.llama_batch_free(self._batch)
            self._batch = None
        for slot in self.slots:
            slot.tokens = []
        if self._free_model is not None:
            free, self._free_model = self._free_model, None
            free()

    def _step(self) -> None:
        """One llama_decode for every running sequence, then one sampled token each."""
        batch = self._batch
        if batch is None:
            raise ModelClosedError("The model was unloaded; load it again.")
        token, pos, seq_id, logits = batch.token, batch.pos, batch.seq_id, batch.logits
        n = 0
        fed: list[tuple[Sequence, int]] = []  # (sequence, tokens it put in this batch)
        for s in self.running:
            if s.token is not None and len(s.out) < HOLD:
                token[n] = s.token
                pos[n] = len(s.slot.tokens)
                seq_id[n][0] = s.slot.seq_id
                logits[n] = 1
                s.logits_at = n
                n += 1
                fed.append((s, 1))
        room = self.n_batch - n
        for s in self.running:
            if room <= 0:
                break
            if s.token is None and not s.finished:
                start = len(s.slot.tokens)
                chunk = s.prompt[start : start + room]
                sid = s.slot.seq_id
                for offset, t in enumerate(chunk):
                    token[n] = t
                    pos[n] = start + offset
                    seq_id[n][0] = sid
                    logits[n] = 0
                    n += 1
                room -= len(chunk)
                if start + len(chunk) == len(s.prompt):
                    logits[n - 1] = 1
                    s.logits_at = n - 1
                fed.append((s, len(chunk)))
        if not n:
            return
        batch.n_tokens = n
        if len(fed) > self.most_together:
            self.most_together = len(fed)
        try:
            status = _decoder.decode(self.model.ctx, batch)
            if status != 0:
                self._fail([s for s, _ in fed], status)
                return
            for s, count in fed:
                if s.token is not None:
                    s.slot.tokens.append(s.token)
                    s.token = None
                else:
                    start = len(s.slot.tokens)
                    s.slot.tokens.extend(s.prompt[start : start + count])
            for s, _ in fed:
                if s.logits_at >= 0:
                    self._emit(s)
        except BaseException as exc:  # Ctrl-C mid-step: these sequences' state is unknown
            for s, _ in fed:
                if not s.finished:
                    s.error = InferenceError(f"Generation was interrupted ({exc!r}).")
                    self._retire(s)
            raise

    def _emit(self, s: Sequence) -> None:
        """Sample the sequence's next token and turn it into text (or end the sequence)."""
        llama_cpp = bindings.load()

        vocab = self.model.vocab
        at, s.logits_at = s.logits_at, -1
        penalty = s.penalty
        if penalty is not None:
            penalty.apply(llama_cpp.llama_get_logits_ith(self.model.ctx, at))
        token = llama_cpp.llama_sampler_sample(s.chain, self.model.ctx, at)
        if penalty is not None:
            penalty.accept(token)
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            self._finish(s, "stop")
            return
        s.count += 1
        s.outcome.completion_tokens = s.count
        buffer = self._piece
        n = llama_cpp.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
        if n < 0:  # a piece longer than the buffer (rare): grow it once
            buffer = self._piece = ctypes.create_string_buffer(-n)
            n = llama_cpp.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, False)
        text = s.utf8(ctypes.string_at(buffer, n)) if n > 0 else ""
        scanner = s.scanner
        if scanner is not None:
            text = scanner.feed(text)
            if text:
                s.out.append(text)
            if scanner.stopped:
                self._finish(s, "stop")
                return
        elif text:
            s.out.append(text)
        if s.count >= s.limit:
            self._finish(s, "length")
            return
        s.token = token

    def _finish(self, s: Sequence, reason: str) -> None:
        s.outcome.finish_reason = reason
        if s.scanner is not None and not s.scanner.stopped:
            held = s.scanner.flush()
            if held:
                s.out.append(held)
        self._retire(s)

    def _fail(self, sequences: list[Sequence], status: int) -> None:
        if status == 1:
            message = (
                "The model's context is full. Shorten the conversation or raise "
                "context_size in [providers.gguf.options]."
            )
        else:
            message = (
                f"llama.cpp failed to evaluate tokens (llama_decode returned {status}). "
                "Try again; if it persists, unload the model and lower batch_size."
            )
        for s in sequences:
            s.error = InferenceError(message)
            self._retire(s)
