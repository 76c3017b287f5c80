"""Loaded models, shared by the whole process: a GGUF file is loaded once per set of options.

Every manager, backend and provider in the process asks this module for the `Llama` behind
a file, so an agent called fifty times, or fifty agents on one model, load it once.
`unload` frees it; the next request loads it again.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from llmspell import BackendUnavailableError, InferenceError, ModelNotFoundError

from . import crash_note, hardware, native_log

if TYPE_CHECKING:
    from .options import GgufOptions


@attrs.frozen
class LoadOptions:
    """What changes the loaded object: two requests with equal options share one model."""

    n_ctx: int  # 0: the model's training context; larger values are clamped to it
    n_batch: int
    n_threads: int
    n_gpu_layers: int  # -1: every layer on the GPU
    flash_attn: bool

    @classmethod
    def from_options(cls, options: GgufOptions) -> LoadOptions:
        return cls(
            n_ctx=max(0, options.context_size),
            n_batch=max(1, options.batch_size),
            # threads_for_load leaves out cores other processes keep busy (#15, hardware.py)
            n_threads=hardware.threads_for_load(options.cpu_threads),
            n_gpu_layers=gpu_layers(options.device),
            flash_attn=options.flash_attention,
        )


def gpu_layers(device: str) -> int:
    """`device` as llama.cpp's layer count: all layers on a GPU when one is usable, else 0."""
    if device == "cpu":
        return 0
    if device == "auto":
        return -1 if hardware.gpu_offload_supported() else 0
    if not hardware.gpu_offload_supported():
        raise BackendUnavailableError(
            f"device = {device!r}, but this llama-cpp-python was built without GPU offload. "
            "Set device = 'auto' or 'cpu' in [providers.gguf.options], or reinstall "
            "llama-cpp-python with GPU support (CMAKE_ARGS='-DGGML_CUDA=on' or -DGGML_METAL=on)."
        )
    return -1


class SupersededError(InferenceError):
    """A stream was resumed after its thread had started another generation on the model."""


class LoadedModel:
    """One `Llama` plus what every generation on it needs; generations on it take turns.

    A thread that starts a generation while one of its own streams on the model is still
    open (suspended, not read to the end) takes the model over instead of waiting for
    itself: the old stream ends with `SupersededError` if it is read again.
    """

    def __init__(self, path: Path, llm: Any, options: LoadOptions) -> None:
        import llama_cpp

        self.path = path
        self.llm = llm
        self.options = options
        self.ctx = llm.ctx
        self.vocab = llama_cpp.llama_model_get_vocab(llm.model)
        self.n_ctx: int = llm.n_ctx()
        self.n_batch: int = llm.n_batch
        self.n_vocab: int = llama_cpp.llama_vocab_n_tokens(self.vocab)
        self.add_bos: bool = bool(llama_cpp.llama_vocab_get_add_bos(self.vocab))
        self.chat_template: str | None = llm.metadata.get("tokenizer.chat_template") or None
        #: Tokens whose keys and values are in the context (sequence 0), for prefix reuse.
        self.kv_tokens: list[int] = []
        self.formatter: Any = None  # built on first chat request, see prompt.py
        #: Which generation holds the model now; a generation checks it after each yield.
        self.ticket = 0
        self._turn = threading.Lock()  # held from a generation's start to its end
        self._state = threading.Lock()  # guards owner, ticket and closing
        self._owner: int | None = None
        self._closed = False
        self._close_when_idle = False

    @property
    def closed(self) -> bool:
        return self._closed

    def acquire(self) -> int:
        """Wait for the model; returns the ticket that `release` and `superseded` take."""
        me = threading.get_ident()
        with self._state:
            if self._owner == me:
                self.ticket += 1
                return self.ticket
        self._turn.acquire()
        with self._state:
            self._owner = me
            self.ticket += 1
            return self.ticket

    def release(self, ticket: int) -> None:
        with self._state:
            if ticket != self.ticket:
                return  # taken over: the newer generation of this thread releases
            self._owner = None
            if self._close_when_idle:
                self._free()
            self._turn.release()

    def check(self, ticket: int) -> None:
        """Raise if this thread has started another generation on the model since `ticket`."""
        if ticket != self.ticket:
            raise SupersededError(
                "This stream was interrupted: a newer request on the same model started in "
                "this thread before it was read to the end. Read the new reply instead."
            )

    def close(self) -> None:
        """Free the weights now, or as soon as the running generation ends."""
        if self._turn.acquire(blocking=False):
            try:
                with self._state:
                    self._free()
            finally:
                self._turn.release()
        else:
            self._close_when_idle = True

    def _free(self) -> None:
        if not self._closed:
            self._closed = True
            self.kv_tokens = []
            self.llm.close()


_models: dict[tuple[str, int, int, LoadOptions], LoadedModel] = {}
_load_lock = threading.Lock()


def _file_key(path: Path, options: LoadOptions) -> tuple[str, int, int, LoadOptions]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ModelNotFoundError(
            f"The model file {path} does not exist. Pull the model again, or import a GGUF "
            "file with llmspell model import PATH."
        ) from None
    except OSError as exc:
        raise InferenceError(f"Cannot read the model file {path}: {exc.strerror}.") from None
    # Size and mtime: a file replaced by a new pull is loaded afresh.
    return (str(path.resolve()), stat.st_size, stat.st_mtime_ns, options)


def acquire(path: str | Path, options: LoadOptions) -> LoadedModel:
    """The loaded model for `path` with `options`, loading it on first use."""
    path = Path(path)
    key = _file_key(path, options)
    model = _models.get(key)
    if model is not None and not model.closed:
        return model
    with _load_lock:
        model = _models.get(key)
        if model is not None and not model.closed:
            return model
        for stale in [k for k in _models if k[0] == key[0] and k[1:3] != key[1:3]]:
            _models.pop(stale).close()
        # store (#12): if llama.cpp aborts the process in there, say which file and why.
        with crash_note.explain_aborts(path):
            model = LoadedModel(path, _load(path, options), options)
        _models[key] = model
        return model


def is_loaded(path: str | Path) -> bool:
    resolved = str(Path(path).resolve())
    return any(k[0] == resolved and not m.closed for k, m in list(_models.items()))


def loaded_paths() -> list[Path]:
    return [m.path for m in list(_models.values()) if not m.closed]


def unload(path: str | Path | None = None) -> int:
    """Free the models loaded from `path` (every model when None); returns how many."""
    resolved = str(Path(path).resolve()) if path is not None else None
    with _load_lock:
        victims = [k for k in _models if resolved is None or k[0] == resolved]
        for key in victims:
            _models.pop(key).close()
    return len(victims)


# Free models before interpreter shutdown tears down the modules their finalizers need.
atexit.register(unload)


def _trained_context(path: Path) -> int | None:
    """Check the header before llama.cpp sees the file, and read the training context."""
    from .metadata import GgufFormatError, read_header

    try:
        header = read_header(path)
    except GgufFormatError as exc:
        raise InferenceError(str(exc)) from None
    except OSError as exc:
        raise InferenceError(f"Cannot read the model file {path}: {exc.strerror}.") from None
    trained = header.context_length
    return int(trained) if isinstance(trained, int) and trained > 0 else None


def _load(path: Path, options: LoadOptions) -> Any:
    trained = _trained_context(path)
    n_ctx = options.n_ctx
    if trained and (n_ctx == 0 or n_ctx > trained):
        # Beyond its training context a model produces garbage and wastes memory.
        n_ctx = trained
    native_log.install()
    from llama_cpp import Llama

    native_log.clear()
    try:
        return Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_batch=options.n_batch,
            n_ubatch=options.n_batch,
            n_threads=options.n_threads,
            n_threads_batch=options.n_threads,
            n_gpu_layers=options.n_gpu_layers,
            flash_attn=options.flash_attn,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise InferenceError(_explain_failure(path, exc, native_log.recent_errors())) from None


def _explain_failure(path: Path, exc: Exception, logged: list[str]) -> str:
    said = " ".join(logged)
    # The first thing llama.cpp complained about is the cause; drop its "function: " prefix.
    first = logged[0] if logged else str(exc)
    cause = (
        first.split("error loading model: ")[-1]
        if "error loading model: " in first
        else (first.split(": ", 1)[-1])
    )
    if "not within the file bounds" in said or "incomplete" in said or "end of file" in said:
        return (
            f"The model file {path} is truncated or corrupted (an interrupted download?). "
            "Pull the model again with --force, or import a complete file."
        )
    if "invalid magic" in said:
        return f"{path} is not a GGUF file. Pull the model again, or import a .gguf file."
    if "gguf_init" in said:
        return (
            f"The model file {path} is damaged: its GGUF header cannot be read ({cause}). "
            "Pull the model again with --force, or import a complete file."
        )
    if "unknown model architecture" in said:
        return (
            f"This llama-cpp-python cannot run {path}: {cause}. "
            "Upgrade llama-cpp-python (pip install -U llama-cpp-python)."
        )
    if "context" in str(exc):
        return (
            f"llama.cpp loaded {path} but could not create its context ({cause}). "
            "Lower context_size in [providers.gguf.options], or free some memory."
        )
    return (
        f"llama.cpp could not load {path}: {cause}. "
        "Check that the file is a complete GGUF model, or pull it again with --force."
    )
