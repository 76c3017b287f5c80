"""Downloading a GGUF from Hugging Face through `huggingface_hub`, resumably and verified.

`huggingface_hub` supplies the hub's metadata (`model_info(files_metadata=True)`: the commit,
every file's size and LFS sha256), the file URL, auth headers and its HTTP session; the byte
loop is ours so that it can resume with an HTTP Range from a kept partial file, report
progress, and hash while it writes. Nothing counts as downloaded until the sha256 matches
the hub's: a mismatch deletes the partial, an interruption keeps it for the next attempt.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from llmspell.errors import BadInputError, DownloadError, ModelNotFoundError

from .fileops import CHUNK, remove_quietly
from .layout import is_safe_file_name, partial_path

Progress = Callable[[int, int], None]

_SPLIT = re.compile(r"-\d{5}-of-\d{5}\.gguf\Z", re.IGNORECASE)


@attrs.frozen
class RemoteFile:
    """A file on the hub, pinned to a commit, with the metadata to verify it."""

    repo: str
    file: str
    revision: str
    size: int | None
    sha256: str | None


def endpoint() -> str:
    """`HF_ENDPOINT` read now (huggingface_hub reads it once at import)."""
    from huggingface_hub import constants

    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def repo_files(repo: str, revision: str | None = None) -> list[RemoteFile]:
    """Every file of `repo` at `revision` (default branch when None), with sizes and hashes."""
    from huggingface_hub import HfApi

    info = _hub_call(repo, lambda: HfApi(endpoint=endpoint()).model_info(
        repo, revision=revision, files_metadata=True
    ))  # fmt: skip
    commit = info.sha or revision or "main"
    return [
        RemoteFile(
            repo=repo,
            file=s.rfilename,
            revision=commit,
            size=s.lfs.size if s.lfs else s.size,
            sha256=s.lfs.sha256 if s.lfs else None,
        )
        for s in info.siblings or []
    ]


def pick(files: list[RemoteFile], repo: str, filename: str) -> RemoteFile:
    for f in files:
        if f.file == filename:
            return f
    ggufs = ", ".join(f.file for f in files if f.file.endswith(".gguf")) or "none"
    raise ModelNotFoundError(
        f"The Hugging Face repo {repo} has no file {filename} (its GGUF files: {ggufs}). "
        "The catalog may be out of date; pull hf.co/OWNER/REPO:QUANT instead."
    )


def gguf_quantizations(files: list[str]) -> dict[str, str]:
    """Quantization label -> file, for the single-file GGUF weights in a repo listing."""
    found: dict[str, str] = {}
    # Safe names first: a hostile listing cannot shadow a real file of the same quantization
    # (an unsafe name is still chosen when it is the only one, so the pull says why it refuses).
    for name in sorted(files, key=lambda f: not is_safe_file_name(f)):
        base = name.rsplit("/", 1)[-1]
        if not base.lower().endswith(".gguf") or "mmproj" in base.lower() or _SPLIT.search(base):
            continue
        match = re.search(
            r"(?<![A-Za-z0-9])((?:I?Q\d+(?:_[A-Z0-9]+)*)|BF16|F16|F32)(?=\.gguf\Z)",
            base,
            re.IGNORECASE,
        )
        if match:
            found.setdefault(match.group(1).upper(), name)
    return found


def choose_file(repo: str, files: list[str], quant: str | None, default: str) -> tuple[str, str]:
    """The (file, quantization) an `hf.co/repo[:QUANT]` reference means."""
    quants = gguf_quantizations(files)
    if quant is not None:
        key = quant.upper()
        if key in quants:
            return quants[key], key
        if any(_SPLIT.search(f) and key in f.upper() for f in files):
            raise BadInputError(
                f"{repo} stores {quant} split in several files, which llmspell cannot pull yet; "
                f"choose another quantization: {', '.join(quants) or 'none'}."
            )
        raise ModelNotFoundError(
            f"{repo} has no single-file {quant} GGUF; its quantizations: "
            f"{', '.join(quants) or 'none'}."
        )
    if default.upper() in quants:
        return quants[default.upper()], default.upper()
    if len(quants) == 1:
        ((key, file),) = quants.items()
        return file, key
    if not quants:
        raise ModelNotFoundError(f"The Hugging Face repo {repo} has no GGUF model file to pull.")
    raise BadInputError(
        f"{repo} has several quantizations ({', '.join(quants)}); name one, "
        f"e.g. hf.co/{repo}:{next(iter(quants))}."
    )


def download(remote: RemoteFile, final: Path, progress: Progress | None = None) -> str:
    """Fetch `remote` into `final`'s partial file, resuming it if compatible; return sha256.

    On success the verified bytes are in `partial_path(final)`; the caller renames them.
    """
    if remote.sha256 is None or remote.size is None:
        raise DownloadError(
            f"The hub gave no sha256 for {remote.repo}/{remote.file}, so it cannot be verified; "
            "llmspell pulls only files stored with Git LFS."
        )
    partial = partial_path(final)
    digest, done = _resume_state(remote, partial)
    if done < remote.size:
        digest, done = _fetch(remote, partial, digest, done, progress)
    sha = digest.hexdigest()
    if done != remote.size or sha != remote.sha256:
        remove_quietly(partial)
        remove_quietly(sidecar(partial))
        raise DownloadError(
            f"{remote.repo}/{remote.file} failed verification (got {done} bytes, sha256 {sha}; "
            f"the hub says {remote.size} bytes, sha256 {remote.sha256}). Nothing was kept; "
            "run the pull again."
        )
    remove_quietly(sidecar(partial))
    return sha


def sidecar(partial: Path) -> Path:
    return partial.with_name(partial.name + ".json")


def _resume_state(remote: RemoteFile, partial: Path) -> tuple[hashlib._Hash, int]:
    """Hash what a previous attempt left, if it was fetching this same file version."""
    digest = hashlib.sha256()
    side = sidecar(partial)
    try:
        recorded = json.loads(side.read_text())
    except (OSError, ValueError):
        recorded = None
    if recorded != attrs.asdict(remote) or not partial.exists():
        remove_quietly(partial)
        side.write_text(json.dumps(attrs.asdict(remote)))
        return digest, 0
    done = 0
    with open(partial, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            done += len(block)
    if done > (remote.size or 0):
        remove_quietly(partial)
        return hashlib.sha256(), 0
    return digest, done


def _fetch(
    remote: RemoteFile,
    partial: Path,
    digest: hashlib._Hash,
    done: int,
    progress: Progress | None,
) -> tuple[hashlib._Hash, int]:
    import httpx2
    from huggingface_hub import hf_hub_url
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    total = remote.size or 0
    url = hf_hub_url(remote.repo, remote.file, revision=remote.revision, endpoint=endpoint())
    headers = build_hf_headers()
    if done:
        headers["Range"] = f"bytes={done}-"
    timeout = httpx2.Timeout(60.0, connect=10.0)
    try:
        with get_session().stream("GET", url, headers=headers, timeout=timeout) as response:
            if done and response.status_code == 416:  # the partial is already complete
                return digest, done
            hf_raise_for_status(response)
            mode = "ab"
            if done and not _resumes_at(response, done):  # whole file, or other bytes: restart
                digest, done, mode = hashlib.sha256(), 0, "wb"
            with open(partial, mode) as out:
                for block in response.iter_bytes(CHUNK):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress is not None:
                        progress(done, total)
    except OfflineModeIsEnabled:
        raise DownloadError(_offline(remote.repo)) from None
    except HfHubHTTPError as exc:
        raise DownloadError(
            f"Hugging Face refused {remote.repo}/{remote.file}: {_first_line(exc)}"
        ) from None
    except httpx2.HTTPError as exc:
        raise DownloadError(
            f"The download of {remote.file} was interrupted after {done} of {total} bytes "
            f"({type(exc).__name__}). Run the same pull again to resume where it stopped."
        ) from None
    return digest, done


def _resumes_at(response: Any, offset: int) -> bool:
    """Whether a reply to `Range: bytes=offset-` really continues at `offset`."""
    if response.status_code != 206:
        return False
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return match is not None and int(match.group(1)) == offset


def _hub_call(repo: str, call: Callable[[], Any]) -> Any:
    import httpx2
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        return call()
    except OfflineModeIsEnabled:
        raise DownloadError(_offline(repo)) from None
    except GatedRepoError:
        raise DownloadError(
            f"The Hugging Face repo {repo} is gated: accept its license on huggingface.co, "
            "then log in with `hf auth login` (or set HF_TOKEN)."
        ) from None
    except RepositoryNotFoundError:
        raise ModelNotFoundError(
            f"Hugging Face has no repo {repo} (or it is private: set HF_TOKEN). "
            "Check the name on huggingface.co."
        ) from None
    except RevisionNotFoundError:
        raise ModelNotFoundError(f"The Hugging Face repo {repo} has no such revision.") from None
    except HfHubHTTPError as exc:
        raise DownloadError(f"Hugging Face failed for {repo}: {_first_line(exc)}") from None
    except httpx2.HTTPError as exc:
        raise DownloadError(
            f"Cannot reach Hugging Face at {endpoint()} ({type(exc).__name__}). "
            "Check the network (or HF_ENDPOINT) and try again."
        ) from None


def _offline(repo: str) -> str:
    return (
        f"Hugging Face is in offline mode (HF_HUB_OFFLINE is set), so {repo} cannot be "
        "downloaded; unset HF_HUB_OFFLINE or put the file in place with llmspell model import."
    )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
