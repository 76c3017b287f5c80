"""A local Hugging Face Hub (plus its LFS CDN) for testing against the real `huggingface_hub`.

The hub cannot be reached here, so the tests start this on 127.0.0.1 and point `HF_ENDPOINT`
at it. It answers what `huggingface_hub` 2.x asks, with the headers the hub sends
(read from `huggingface_hub/hf_api.py`, `file_download.py` and `utils/_http.py`):

- `GET /api/models/{repo}` and `/api/models/{repo}/revision/{rev}` (`model_info`; with
  `?blobs=true` for `files_metadata=True`): JSON `{id, sha, siblings: [{rfilename, size,
  blobId, lfs: {size, sha256, pointerSize}}]}`.
- `HEAD|GET /{repo}/resolve/{rev}/{file}`: for an LFS file, `302` to the CDN with
  `X-Repo-Commit`, `X-Linked-Etag` (the quoted sha256), `X-Linked-Size`, `ETag` and `Location`;
  the hub's CDN is another origin, so `huggingface_hub` stops its HEAD there as it does with
  `cdn-lfs.huggingface.co`. Unknown repos answer 404 with `X-Error-Code: RepoNotFound`,
  unknown files 404 with `X-Error-Code: EntryNotFound`.
- the CDN (`GET|HEAD /lfs/{sha256}` on a second port): the bytes with `Content-Length`,
  `ETag`, `Accept-Ranges: bytes`, and `Range: bytes=N-` answered `206` with `Content-Range`.

File names are the hub's `rfilename`s, so a repo may hold files in folders (`sub/x.gguf`)
and, to play a hostile hub or mirror, names no real hub would list (`../../x.gguf`): the
client normalizes such a URL's `..` segments away, and this server answers the normalized
path with that file, as a naive mirror serving by path would.

Failure modes, switched per test on the `HubServer` object: `gated` repos (401 with
`X-Error-Code: GatedRepo`), `drop_first_download` (the first CDN GET without a Range sends
the headers of the whole file, half the body, then closes the connection), `wrong_sha256`
(the API reports a sha256 the bytes do not have), `ignore_range` (a CDN answering every
request with the whole file), and `bytes_per_second` (a throttled CDN, for concurrent-pull
tests). Every request is recorded (method, path, Range header) so tests can assert what the
client did.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import posixpath
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 256 * 1024


@dataclass
class HubFile:
    path: Path
    sha256: str
    size: int


@dataclass
class Request:
    server: str  # "hub" or "cdn"
    method: str
    path: str
    range: str | None


@dataclass
class HubServer:
    """Repos (name -> {filename: file}) served by a hub endpoint and its CDN."""

    repos: dict[str, dict[str, HubFile]] = field(default_factory=dict)
    commits: dict[str, str] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    #: Repos that answer 401 `GatedRepo`, as the hub does before a license is accepted.
    gated: set[str] = field(default_factory=set)
    drop_first_download: bool = False
    #: A CDN that ignores `Range` and always sends the whole file with 200.
    ignore_range: bool = False
    wrong_sha256: bool = False
    bytes_per_second: int | None = None
    _dropped: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_file(self, repo: str, filename: str, path: Path) -> HubFile:
        hub_file = HubFile(path, _sha256(path), path.stat().st_size)
        self.repos.setdefault(repo, {})[filename] = hub_file
        self.commits.setdefault(repo, hashlib.sha1(repo.encode()).hexdigest())
        return hub_file

    def add_text(self, repo: str, filename: str, path: Path) -> None:
        """A small non-LFS file (README.md): no `lfs` block in the listing."""
        self.add_file(repo, filename, path).sha256 = ""

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def downloads(self) -> list[Request]:
        return [r for r in self.requests if r.server == "cdn" and r.method == "GET"]

    def normalized(self, path: str) -> tuple[str, str, str] | None:
        """(repo, revision, file) whose resolve URL, once `..` is normalized away, is `path`."""
        for repo, files in self.repos.items():
            for name in files:
                for rev in ("main", self.commits[repo]):
                    if posixpath.normpath(f"/{repo}/resolve/{rev}/{name}") == path:
                        return repo, rev, name
        return None

    def by_sha(self, sha: str) -> HubFile | None:
        for files in self.repos.values():
            for f in files.values():
                if f.sha256 and f.sha256 == sha:
                    return f
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hub: HubServer
    role: str
    cdn_origin: str

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._route(head=True)

    def do_GET(self) -> None:
        self._route(head=False)

    def _route(self, head: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        self.hub.record(Request(self.role, self.command, path, self.headers.get("Range")))
        if self.role == "cdn":
            return self._cdn(path, head)
        if path.startswith("/api/models/"):
            return self._model_info(path[len("/api/models/") :])
        parts = path.lstrip("/").split("/")
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, revision, filename = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
            if filename in self.hub.repos.get(repo, {}):
                return self._resolve(repo, revision, filename)
        climbing = self.hub.normalized(path)
        if climbing is not None:
            return self._resolve(*climbing)
        if len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(repo, revision, filename)
        self._error(404, "Not Found", None)

    # -- hub -------------------------------------------------------------------------------

    def _model_info(self, rest: str) -> None:
        repo, _, revision = rest.partition("/revision/")
        if repo in self.hub.gated:
            return self._error(401, f"Access to model {repo} is restricted.", "GatedRepo")
        if repo not in self.hub.repos:
            return self._error(404, "Repository not found", "RepoNotFound")
        commit = self.hub.commits[repo]
        if revision and revision not in ("main", commit):
            return self._error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        siblings = []
        for name, f in sorted(self.hub.repos[repo].items()):
            entry: dict[str, object] = {"rfilename": name, "size": f.size, "blobId": _oid(f)}
            if f.sha256:
                sha = "0" * 64 if self.hub.wrong_sha256 else f.sha256
                entry["lfs"] = {"size": f.size, "sha256": sha, "pointerSize": 135}
            siblings.append(entry)
        body = {
            "_id": "0" * 24,
            "id": repo,
            "modelId": repo,
            "author": repo.split("/")[0],
            "sha": commit,
            "private": False,
            "gated": False,
            "disabled": False,
            "tags": ["gguf"],
            "library_name": "gguf",
            "siblings": siblings,
            "lastModified": "2026-01-01T00:00:00.000Z",
            "createdAt": "2026-01-01T00:00:00.000Z",
        }
        self._json(200, body, {"X-Repo-Commit": commit})

    def _resolve(self, repo: str, revision: str, filename: str) -> None:
        if repo not in self.hub.repos:
            return self._error(404, "Repository not found", "RepoNotFound")
        commit = self.hub.commits[repo]
        if revision not in ("main", commit):
            return self._error(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        f = self.hub.repos[repo].get(filename)
        if f is None:
            return self._error(404, "Entry not found", "EntryNotFound")
        if not f.sha256:  # a small git file: served by the hub itself, ETag = git oid
            data = f.path.read_bytes()
            self.send_response(200)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("ETag", f'"{_oid(f)}"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            return
        headers = {
            "X-Repo-Commit": commit,
            "X-Linked-Etag": f'"{f.sha256}"',
            "X-Linked-Size": str(f.size),
            "ETag": f'"{_oid(f)}"',
            "Location": f"{self.cdn_origin}/lfs/{f.sha256}",
            "Content-Length": "0",
        }
        self.send_response(302)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    # -- CDN -------------------------------------------------------------------------------

    def _cdn(self, path: str, head: bool) -> None:
        sha = path.rpartition("/")[2]
        f = self.hub.by_sha(sha)
        if not path.startswith("/lfs/") or f is None:
            return self._error(404, "NoSuchKey", None)
        start = 0
        rng = None if self.hub.ignore_range else self.headers.get("Range")
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= f.size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{f.size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        length = f.size - start
        self.send_response(206 if rng else 200)
        self.send_header("Content-Type", "binary/octet-stream")
        self.send_header("Content-Length", str(length))
        self.send_header("ETag", f'"{f.sha256}"')
        self.send_header("Accept-Ranges", "bytes")
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{f.size - 1}/{f.size}")
        self.end_headers()
        if head:
            return
        drop_at = None
        with self.hub._lock:
            if self.hub.drop_first_download and not rng and sha not in self.hub._dropped:
                self.hub._dropped.add(sha)
                drop_at = f.size // 2
        self._send_file(f, start, drop_at)

    def _send_file(self, f: HubFile, start: int, drop_at: int | None) -> None:
        sent = start
        with open(f.path, "rb") as fh:
            fh.seek(start)
            while block := fh.read(CHUNK):
                if drop_at is not None and sent + len(block) > drop_at:
                    self.wfile.write(block[: drop_at - sent])
                    self.wfile.flush()
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)
                    return
                try:
                    self.wfile.write(block)
                except (BrokenPipeError, ConnectionResetError):
                    return
                sent += len(block)
                if self.hub.bytes_per_second:
                    time.sleep(len(block) / self.hub.bytes_per_second)

    # -- replies ---------------------------------------------------------------------------

    def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status: int, message: str, code: str | None) -> None:
        headers = {"X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        self._json(status, {"error": message}, headers)


@functools.lru_cache(maxsize=32)
def _sha256_cached(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    st = path.stat()
    return _sha256_cached(path, st.st_size, st.st_mtime_ns)


def _oid(f: HubFile) -> str:
    return hashlib.sha1(f"{f.path}:{f.size}".encode()).hexdigest()


@contextlib.contextmanager
def serve(hub: HubServer):
    """Run the hub and its CDN on two ephemeral ports; yields the hub's endpoint URL."""
    cdn_handler = type("CdnHandler", (_Handler,), {"hub": hub, "role": "cdn", "cdn_origin": ""})
    cdn = ThreadingHTTPServer(("127.0.0.1", 0), cdn_handler)
    cdn_origin = f"http://127.0.0.1:{cdn.server_address[1]}"
    hub_handler = type(
        "HubHandler", (_Handler,), {"hub": hub, "role": "hub", "cdn_origin": cdn_origin}
    )
    api = ThreadingHTTPServer(("127.0.0.1", 0), hub_handler)
    for server in (cdn, api):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{api.server_address[1]}"
    finally:
        for server in (api, cdn):
            server.shutdown()
            server.server_close()
