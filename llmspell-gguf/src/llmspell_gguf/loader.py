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

from . import bindings, crash_note, hardware, native_log

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
    #: Sequences decoded together in one batch (one KV cache shared by all of them).
    parallel: int = 1

    @classmethod
    def from_options(cls, options: GgufOptions) -> LoadOptions:
        return cls(
            n_ctx=max(0, options.context_size),
            n_batch=max(1, options.batch_size),
            # threads_for_load leaves out cores other processes keep busy (#15, hardware.py)
            n_threads=hardware.threads_for_load(options.cpu_threads),
            n_gpu_layers=gpu_layers(options.device),
            flash_attn=options.flash_attention,
            parallel=max(1, options.parallel),
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


class Native:
    """A llama.cpp model and its context, created through llama.cpp's C API.

    llama-cpp-python's `Llama` cannot make a context for several sequences with one KV
    cache, and builds what only its own high-level API uses (a chat formatter, numpy score
    buffers, the metadata dictionary): a one-shot command pays for that at start-up.
    """

    def __init__(self, model: Any, ctx: Any) -> None:
        self.model = model
        self.ctx = ctx

    def close(self) -> None:
        llama_cpp = bindings.load()

        if self.ctx is not None:
            llama_cpp.llama_free(self.ctx)
            self.ctx = None
        if self.model is not None:
            llama_cpp.llama_model_free(self.model)
            self.model = None


class LoadedModel:
    """One loaded model plus what every generation on it needs.

    Generations on it are sequences of its `Batcher`, decoded together; `close` frees the
    weights at once when nothing generates, else as soon as the last sequence ends.
    """

    def __init__(self, path: Path, native: Native, options: LoadOptions) -> None:
        llama_cpp = bindings.load()

        from .batching import Batcher

        self.path = path
        self.native = native
        self.options = options
        self.ctx = native.ctx
        self.vocab = llama_cpp.llama_model_get_vocab(native.model)
        self.n_ctx: int = llama_cpp.llama_n_ctx(native.ctx)
        self.n_batch: int = llama_cpp.llama_n_batch(native.ctx)
        self.n_vocab: int = llama_cpp.llama_vocab_n_tokens(self.vocab)
        self.n_swa: int = llama_cpp.llama_model_n_swa(native.model)
        self.add_bos: bool = bool(llama_cpp.llama_vocab_get_add_bos(self.vocab))
        self.chat_template: str | None = _meta(native.model, "tokenizer.chat_template")
        self.formatter: Any = None  # built on first chat request, see prompt.py
        self.batcher = Batcher(self)
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Free the weights now, or as soon as the running generations end."""
        self.batcher.close(self._free)

    def _free(self) -> None:
        if not self._closed:
            self._closed = True
            self.native.close()


def _meta(model: Any, key: str) -> str | None:
    """A string from the GGUF metadata (None when absent or empty)."""
    import ctypes

    llama_cpp = bindings.load()

    size = llama_cpp.llama_model_meta_val_str(model, key.encode(), None, 0)
    if size <= 0:
        return None
    buffer = ctypes.create_string_buffer(size + 1)
    llama_cpp.llama_model_meta_val_str(model, key.encode(), buffer, size + 1)
    return buffer.value.decode("utf-8", "replace") or None


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
    """Check the header before llama.cpp sees the file, and read the training context.

    Walking a header means stepping over every token string of the vocabulary (tens of
    milliseconds in Python, a large share of a one-shot command's start-up), so the answer
    is remembered per file version (path, size, mtime) in $LLMSPELL_HOME/cache: a file
    that passed once and has not changed since is not read again.
    """
    from .metadata import GgufFormatError, read_header

    key = _header_key(path)
    known = _header_cache()
    if key is not None and key in known:
        return known[key]
    try:
        header = read_header(path)
    except GgufFormatError as exc:
        raise InferenceError(str(exc)) from None
    except OSError as exc:
        raise InferenceError(f"Cannot read the model file {path}: {exc.strerror}.") from None
    trained = header.context_length
    result = int(trained) if isinstance(trained, int) and trained > 0 else None
    if key is not None:
        known[key] = result
        _save_header_cache(known)
    return result


#: Remembered header checks; at most this many files (the oldest are dropped).
_HEADER_CACHE_SIZE = 64


def _header_key(path: Path) -> str | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def _header_cache_file() -> Path:
    from llmspell.paths import llmspell_home

    return llmspell_home() / "cache" / "gguf-headers.json"


def _header_cache() -> dict[str, int | None]:
    import json

    try:
        data = json.loads(_header_cache_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_header_cache(known: dict[str, int | None]) -> None:
    """Best effort, written whole and renamed: a reader never sees half a file."""
    import json
    import os

    target = _header_cache_file()
    kept = dict(list(known.items())[-_HEADER_CACHE_SIZE:])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(kept))
        os.replace(partial, target)
    except OSError:
        pass


def _load(path: Path, options: LoadOptions) -> Native:
    trained = _trained_context(path)
    n_ctx = options.n_ctx
    if trained and (n_ctx == 0 or n_ctx > trained):
        # Beyond its training context a model produces garbage and wastes memory.
        n_ctx = trained
    native_log.install()
    llama_cpp = bindings.load()

    _init_backend(llama_cpp)
    native_log.clear()
    model_params = llama_cpp.llama_model_default_params()
    model_params.n_gpu_layers = 0x7FFFFFFF if options.n_gpu_layers == -1 else options.n_gpu_layers
    model = llama_cpp.llama_model_load_from_file(str(path).encode(), model_params)
    if not model:
        failure = RuntimeError(f"Failed to load model from file: {path}")
        raise InferenceError(_explain_failure(path, failure, native_log.recent_errors()))
    params = llama_cpp.llama_context_default_params()
    params.n_ctx = n_ctx
    params.n_batch = params.n_ubatch = min(options.n_batch, n_ctx) if n_ctx else options.n_batch
    params.n_threads = params.n_threads_batch = options.n_threads
    params.flash_attn_type = (
        llama_cpp.LLAMA_FLASH_ATTN_TYPE_ENABLED
        if options.flash_attn
        else llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED
    )
    # One KV cache for every sequence: a lone sequence may use the whole context, several
    # share it (batching.py admits a sequence only when its prompt and reply fit).
    params.n_seq_max = min(options.parallel, _MAX_SEQUENCES)
    params.kv_unified = True
    ctx = llama_cpp.llama_init_from_model(model, params)
    if not ctx:
        llama_cpp.llama_model_free(model)
        failure = RuntimeError("Failed to create llama_context")
        raise InferenceError(_explain_failure(path, failure, native_log.recent_errors()))
    return Native(model, ctx)


#: llama.cpp's LLAMA_MAX_SEQ.
_MAX_SEQUENCES = 256
_backend_ready = False


def _init_backend(llama_cpp: Any) -> None:
    global _backend_ready
    if not _backend_ready:
        llama_cpp.llama_backend_init()
        _backend_ready = True


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
