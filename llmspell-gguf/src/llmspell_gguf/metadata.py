"""Reading a GGUF file's header (key/values and tensor table) without touching the weights.

`list` and `info` must stay fast for 8 GB files, so this parses only the header through a
memory map: the weights are never read. The same pass checks that the file is complete
(the tensor table says where the data ends), so a truncated download or a file that is not
GGUF is reported before llama.cpp ever sees it.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path
from typing import Any

import attrs

MAGIC = b"GGUF"

# GGUF value types (gguf spec): code -> struct format for the fixed-size ones.
_SCALARS: dict[int, str] = {
    0: "<B",  # uint8
    1: "<b",  # int8
    2: "<H",  # uint16
    3: "<h",  # int16
    4: "<I",  # uint32
    5: "<i",  # int32
    6: "<f",  # float32
    7: "<?",  # bool
    10: "<Q",  # uint64
    11: "<q",  # int64
    12: "<d",  # float64
}
_STRING, _ARRAY = 8, 9
_U64 = struct.Struct("<Q")

#: llama_ftype (general.file_type) -> the quantization name people use.
FILE_TYPES: dict[int, str] = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
    10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M",
    16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S",
    22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M",
    28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0",
    37: "TQ2_0", 38: "MXFP4_MOE", 39: "NVFP4", 40: "Q1_0",
}  # fmt: skip

#: ggml tensor type -> (elements per block, bytes per block), to find where the data ends.
_QK = 256
TENSOR_SIZES: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 40), 10: (_QK, 4 + _QK // 16 + _QK // 4), 11: (_QK, 2 + _QK // 4 + _QK // 8 + 12),
    12: (_QK, 4 + _QK // 2 + 12), 13: (_QK, 4 + _QK // 2 + _QK // 8 + 12),
    14: (_QK, 2 + _QK // 2 + _QK // 4 + _QK // 16), 15: (_QK, 4 + _QK + _QK // 8),
    16: (_QK, 2 + _QK // 4), 17: (_QK, 2 + _QK // 4 + _QK // 32),
    18: (_QK, 2 + _QK // 4 + _QK // 8), 19: (_QK, 2 + _QK // 8 + _QK // 16), 20: (32, 18),
    21: (_QK, 2 + _QK // 4 + _QK // 8 + _QK // 32 + 4), 22: (_QK, 2 + _QK // 4 + _QK // 16),
    23: (_QK, 4 + _QK // 2 + _QK // 64), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8),
    28: (1, 8), 29: (_QK, _QK // 8 + _QK // 16 + _QK // 32), 30: (1, 2),
    34: (_QK, 2 + 4 * 13), 35: (_QK, 2 + 64), 39: (32, 17), 40: (64, 36), 41: (128, 18),
}  # fmt: skip

#: Arrays longer than this (token lists, merges) are skipped, not decoded: only their length
#: is kept, which is all `info` needs and what keeps header reads fast.
_MAX_DECODED_ARRAY = 64


class GgufFormatError(ValueError):
    """The file is not a GGUF, or it is cut short."""


@attrs.frozen
class GgufHeader:
    """What a GGUF header says about its model."""

    path: Path
    version: int
    file_size: int
    metadata: dict[str, Any]
    tensor_count: int
    parameter_count: int
    #: Where the tensor data ends according to the header (None: unknown tensor type).
    data_end: int | None

    @property
    def architecture(self) -> str | None:
        return self.metadata.get("general.architecture")

    def arch_value(self, key: str) -> Any:
        arch = self.architecture
        return self.metadata.get(f"{arch}.{key}") if arch else None

    @property
    def context_length(self) -> int | None:
        return self.arch_value("context_length")

    @property
    def quantization(self) -> str | None:
        ftype = self.metadata.get("general.file_type")
        if ftype is None:
            return None
        return FILE_TYPES.get(int(ftype), f"type{ftype}")

    @property
    def chat_template(self) -> str | None:
        return self.metadata.get("tokenizer.chat_template")

    @property
    def license(self) -> str | None:
        value = self.metadata.get("general.license")
        return ", ".join(value) if isinstance(value, list) else value

    def details(self) -> dict[str, Any]:
        """The secondary facts `info` shows (layers, embedding size, name, ...)."""
        meta = self.metadata
        vocab = meta.get("tokenizer.ggml.tokens")
        found = {
            "name": meta.get("general.name"),
            "basename": meta.get("general.basename"),
            "size_label": meta.get("general.size_label"),
            "finetune": meta.get("general.finetune"),
            "layers": self.arch_value("block_count"),
            "embedding_length": self.arch_value("embedding_length"),
            "feed_forward_length": self.arch_value("feed_forward_length"),
            "attention_heads": self.arch_value("attention.head_count"),
            "attention_heads_kv": self.arch_value("attention.head_count_kv"),
            "vocab_size": vocab.length if isinstance(vocab, SkippedArray) else None,
            "tokenizer": meta.get("tokenizer.ggml.model"),
            "gguf_version": self.version,
            "tensor_count": self.tensor_count,
        }
        return {k: v for k, v in found.items() if v is not None}


@attrs.frozen
class SkippedArray:
    """A long array left undecoded (its elements are never needed by `info`)."""

    item_type: int
    length: int


class _Reader:
    def __init__(self, buf: mmap.mmap | bytes, path: Path) -> None:
        self.buf = buf
        self.pos = 0
        self.path = path

    def _need(self, n: int) -> None:
        if self.pos + n > len(self.buf):
            raise GgufFormatError(_truncated(self.path))

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        self._need(size)
        (value,) = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        n = self.scalar("<Q")
        self._need(n)
        raw = self.buf[self.pos : self.pos + n]
        self.pos += n
        return bytes(raw).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        n = self.scalar("<Q")
        self._need(n)
        self.pos += n

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item_type = self.scalar("<I")
            length = self.scalar("<Q")
            if length <= _MAX_DECODED_ARRAY:
                return [self.value(item_type) for _ in range(length)]
            self.skip_array(item_type, length)
            return SkippedArray(item_type, length)
        raise GgufFormatError(f"{self.path} has an unknown GGUF value type {vtype}; is it corrupt?")

    def skip_array(self, item_type: int, length: int) -> None:
        if item_type in _SCALARS:
            n = struct.calcsize(_SCALARS[item_type]) * length
            self._need(n)
            self.pos += n
        elif item_type == _STRING:
            # The hot loop of a header read (hundreds of thousands of tokens): keep it tight.
            unpack, buf, pos = _U64.unpack_from, self.buf, self.pos
            for _ in range(length):
                pos += 8 + unpack(buf, pos)[0]
                if pos > len(buf):
                    self.pos = pos
                    self._need(0)
            self.pos = pos
        else:
            for _ in range(length):
                self.value(item_type)


def read_header(path: str | os.PathLike[str]) -> GgufHeader:
    """Parse the header of the GGUF at `path`; raise `GgufFormatError` when it is not one."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < 24:
                magic = fh.read(4)
                if magic == MAGIC or (magic and MAGIC.startswith(magic)):
                    raise GgufFormatError(
                        f"{path} is truncated: it has only {size} bytes, less than a GGUF "
                        "header. Delete it and pull or copy the model again."
                    )
                if not magic:
                    raise GgufFormatError(f"{path} is empty: it is not a GGUF model file.")
                raise GgufFormatError(_not_gguf(path, magic))
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                try:
                    return _parse(buf, path, size)
                except struct.error:  # a read ran past the end of the buffer
                    raise GgufFormatError(_truncated(path)) from None
    except IsADirectoryError:
        raise GgufFormatError(f"{path} is a directory, not a GGUF file.") from None


def is_gguf(path: str | os.PathLike[str]) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == MAGIC
    except OSError:
        return False


def _truncated(path: Path) -> str:
    return (
        f"{path} is truncated: its GGUF header ends early. "
        "Delete it and pull or copy the model again."
    )


def _not_gguf(path: Path, magic: bytes) -> str:
    return (
        f"{path} is not a GGUF model file (it starts with {magic[:4]!r}, not b'GGUF'). "
        "Use a .gguf file, such as one from Hugging Face."
    )


#: llama.cpp's LLAMA_MAX_LAYERS and GGML_MAX_DIMS: beyond them it aborts or refuses.
MAX_LAYERS = 512
MAX_DIMS = 4
_INT64_MAX = (1 << 63) - 1


@attrs.frozen
class TensorInfo:
    """One tensor descriptor of the header: where its data lies, relative to the data section."""

    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int
    elements: int
    nbytes: int | None  # None: a tensor type this reader does not know

    @property
    def end(self) -> int:
        return self.offset + (self.nbytes or 0)


def _tensor(r: _Reader, path: Path, alignment: int) -> TensorInfo:
    name = r.string()
    n_dims = r.scalar("<I")
    if not 1 <= n_dims <= MAX_DIMS:
        raise GgufFormatError(_damaged(path, f"its tensor {name!r} has {n_dims} dimensions"))
    shape = tuple(r.scalar("<Q") for _ in range(n_dims))
    ttype = r.scalar("<I")
    offset = r.scalar("<Q")
    elements = 1
    for dim in shape:
        elements *= dim
    if elements > _INT64_MAX or any(d > _INT64_MAX for d in shape):
        raise GgufFormatError(_damaged(path, f"its tensor {name!r} has an impossible shape"))
    if offset % alignment:
        raise GgufFormatError(_damaged(path, f"its tensor {name!r} is not aligned"))
    block = TENSOR_SIZES.get(ttype)
    if block is None:
        return TensorInfo(name, shape, ttype, offset, elements, None)
    if shape[0] % block[0]:
        raise GgufFormatError(
            _damaged(path, f"its tensor {name!r} has a row of {shape[0]}, not whole blocks")
        )
    return TensorInfo(name, shape, ttype, offset, elements, elements // block[0] * block[1])


def check_consistency(path: Path, metadata: dict[str, Any], tensors: list[TensorInfo]) -> None:
    """Refuse a header whose parts disagree, before llama.cpp sees it (it may abort on them).

    Checked: unique tensor names, the architecture's `block_count` against the `blk.N`
    tensors present (llama.cpp aborts above 512 layers and fails on missing ones), and the
    embedding and vocabulary sizes against `token_embd.weight`.
    """
    names = [t.name for t in tensors]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise GgufFormatError(_damaged(path, f"it holds the tensor {twice!r} twice"))
    arch = metadata.get("general.architecture")
    if not isinstance(arch, str):
        return
    blocks = {int(n.split(".")[1]) for n in names if n.startswith("blk.") and _index(n)}
    declared = metadata.get(f"{arch}.block_count")
    if declared is not None or blocks:
        if not isinstance(declared, int) or isinstance(declared, bool):
            raise GgufFormatError(_damaged(path, f"its {arch}.block_count is {declared!r}"))
        expected = set(range(declared))
        if declared <= 0 or declared > MAX_LAYERS or (blocks and blocks != expected):
            held = f"tensors for {len(blocks)} blocks" if blocks else "no block tensors"
            raise GgufFormatError(
                _damaged(path, f"its {arch}.block_count is {declared} but it holds {held}")
            )
    embd = next((t for t in tensors if t.name == "token_embd.weight"), None)
    width = metadata.get(f"{arch}.embedding_length")
    if embd is not None and isinstance(width, int) and len(embd.shape) >= 2:
        if embd.shape[0] != width:
            raise GgufFormatError(
                _damaged(
                    path,
                    f"its {arch}.embedding_length is {width} but token_embd.weight is "
                    f"{embd.shape[0]} wide",
                )
            )
        tokens = metadata.get("tokenizer.ggml.tokens")
        vocab = tokens.length if isinstance(tokens, SkippedArray) else None
        if isinstance(tokens, list):
            vocab = len(tokens)
        if vocab is not None and embd.shape[1] != vocab:
            raise GgufFormatError(
                _damaged(
                    path,
                    f"its vocabulary has {vocab} tokens but token_embd.weight has "
                    f"{embd.shape[1]} rows",
                )
            )


def _index(name: str) -> bool:
    parts = name.split(".")
    return len(parts) > 2 and parts[1].isdigit()


def _damaged(path: Path, why: str) -> str:
    return (
        f"{path} is damaged: {why}. Delete it and pull or copy the model again "
        "(llama.cpp would fail or crash on it)."
    )


def _parse(buf: mmap.mmap, path: Path, size: int) -> GgufHeader:
    r = _Reader(buf, path)
    magic = bytes(buf[:4])
    if magic != MAGIC:
        raise GgufFormatError(_not_gguf(path, magic))
    r.pos = 4
    version = r.scalar("<I")
    if version not in (2, 3):
        raise GgufFormatError(
            f"{path} uses GGUF version {version}; only versions 2 and 3 are supported. "
            "Convert it again with a current llama.cpp."
        )
    tensor_count = r.scalar("<Q")
    kv_count = r.scalar("<Q")
    if tensor_count > 1_000_000 or kv_count > 1_000_000:
        raise GgufFormatError(f"{path} has an implausible GGUF header; the file is corrupt.")
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = r.string()
        metadata[key] = r.value(r.scalar("<I"))

    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or alignment <= 0 or alignment & (alignment - 1):
        raise GgufFormatError(_damaged(path, f"its general.alignment is {alignment!r}"))
    tensors = [_tensor(r, path, alignment) for _ in range(tensor_count)]
    data_start = -(-r.pos // alignment) * alignment
    known_sizes = all(t.nbytes is not None for t in tensors)
    data_end = data_start + max((t.end for t in tensors), default=0) if known_sizes else None
    if data_end is not None and data_end > size:
        raise GgufFormatError(
            f"{path} is truncated: it has {size} bytes but its tensors need {data_end}. "
            "Delete it and pull or copy the model again."
        )
    check_consistency(path, metadata, tensors)
    parameters = sum(t.elements for t in tensors)
    declared = metadata.get("general.parameter_count")
    return GgufHeader(
        path=path,
        version=version,
        file_size=size,
        metadata=metadata,
        tensor_count=tensor_count,
        parameter_count=int(declared) if isinstance(declared, int) else parameters,
        data_end=data_end,
    )
