"""A local HTTP peer that speaks Ollama's REST API, for testing against the real `ollama` client.

A real Ollama server cannot run here, so the tests start this one on 127.0.0.1. It follows
Ollama's documented API, not llmspell's needs:

- ollama/ollama `docs/api.md`: the endpoints `GET /` ("Ollama is running"), `GET /api/version`,
  `GET /api/tags`, `POST /api/show`, `POST /api/pull`, `DELETE /api/delete` (JSON body),
  `GET /api/ps`, `POST /api/chat`, `POST /api/generate`; their request and response fields;
  streaming by default as NDJSON with `"stream": false` giving one JSON object; the final
  object's metrics (`total_duration`, `load_duration`, `prompt_eval_count`,
  `prompt_eval_duration`, `eval_count`, `eval_duration`, all durations in nanoseconds,
  `context` for generate); "load" / "unload" answers to an empty prompt or `messages: []`
  (with `keep_alive: 0`); the pull progress sequence ("pulling manifest", per-layer lines with
  `digest`, `total` and, once known, `completed`, "verifying sha256 digest", "writing manifest",
  "success"); delete answering 200 with an empty body or 404.
- `docs/api/streaming.mdx`: `application/x-ndjson`, and the last line (`"done": true`,
  `done_reason`) may carry the last piece of text, as Ollama does since it runs llama-server.
- `docs/openai.md` (OpenAI compatibility): `GET /v1/models` (`id`, `object`, `created`,
  `owned_by` = the name's namespace, "library") and `POST /v1/chat/completions` with
  `temperature`, `top_p`, `max_tokens` (→ `num_predict`), `seed`, `stop`, unknown fields
  ignored (Go's JSON decoder); SSE `data: {chunk}` lines ending with `data: [DONE]`, a usage
  chunk with empty `choices` when `stream_options.include_usage` is set, `usage` in the
  non-streamed answer; errors as OpenAI's `{"error": {"message", "type"}}` (404 for a missing
  model, type `not_found_error`), and `data: {"error": ...}` for an error mid-stream.
- `docs/api/errors.mdx`: error bodies are `{"error": "..."}` (`application/json`) with 400/404/500
  status codes; an error after a stream has started is one more NDJSON line `{"error": ...}`
  while the status stays 200.
- The messages and codes of `server/routes.go` and `server/images.go`: `model is required`
  (400), `model 'NAME' not found` (404, from show, delete, chat and generate), and a pull of a
  name the library lacks: HTTP 200, "pulling manifest", then
  `{"error":"pull model manifest: file does not exist"}`; with `stream: false` that error is
  HTTP 500. Go's JSON omits zero metric fields (`omitempty`); so does this server.

Its models are deterministic protocol peers, not language models: the reply is the words of
the last user message (or prompt), one word per stream line, cut by `num_predict` (finish
"length") or a `stop` string. State lives on the `OllamaTestServer` object so tests can seed
models, inspect the requests the client sent, and switch on failure modes (drop the connection
mid-stream, send an error line mid-stream).

Run stand-alone as a fake `ollama serve` (it binds to `OLLAMA_HOST`, as the real one does):
`python ollama_server.py serve [--model NAME ...]`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

VERSION = "0.33.0"
NO_SUCH_MODEL = "pull model manifest: file does not exist"
MID_STREAM_ERROR = "an error was encountered while running the model"


def canonical(name: str) -> str:
    """Ollama matches names case-insensitively and fills in the `latest` tag."""
    last = name.rsplit("/", 1)[-1]
    return (name if ":" in last else name + ":latest").lower()


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def go_time(moment: datetime) -> str:
    """Go's `time.Time` JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed)."""
    moment = moment.astimezone(timezone.utc)
    nanos = f"{moment.microsecond * 1000:09d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{nanos}" if nanos else "") + "Z"


def parse_keep_alive(value: Any) -> timedelta | None:
    """`keep_alive`: seconds as a number or a Go duration ("5m", "1h30m", "0"); None = default."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return timedelta(seconds=value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return timedelta(seconds=float(text))
    total, sign = 0.0, -1 if text.startswith("-") else 1
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text):
        total += float(number) * units[unit]
    return timedelta(seconds=sign * total)


@dataclass
class FakeModel:
    """A model present on the server, with what `/api/tags` and `/api/show` report."""

    name: str
    size: int = 98_000_000
    family: str = "llama"
    parameter_size: str = "134.52M"
    quantization_level: str = "Q4_K_M"
    context_length: int = 8192
    parameter_count: int = 134_515_008
    template: str = (
        "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}"
        "<|im_start|>assistant\n"
    )
    parameters: str = 'stop                           "<|im_end|>"'
    license: str = "Apache License\nVersion 2.0, January 2004"
    capabilities: list[str] = field(default_factory=lambda: ["completion"])
    modified_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    digest: str = ""

    def __post_init__(self) -> None:
        self.digest = self.digest or sha256_hex("manifest:" + canonical(self.name))
        self.name = canonical(self.name)

    @property
    def details(self) -> dict[str, Any]:
        return {
            "parent_model": "",
            "format": "gguf",
            "family": self.family,
            "families": [self.family],
            "parameter_size": self.parameter_size,
            "quantization_level": self.quantization_level,
        }

    def tags_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "model": self.name,
            "modified_at": go_time(self.modified_at),
            "size": self.size,
            "digest": self.digest,
            "details": self.details,
        }

    def show(self) -> dict[str, Any]:
        return {
            "license": self.license,
            "modelfile": (
                f'# Modelfile generated by "ollama show"\nFROM /root/.ollama/models/blobs/'
                f'sha256-{sha256_hex("model:" + self.name)}\nTEMPLATE """{self.template}"""\n'
            ),
            "parameters": self.parameters,
            "template": self.template,
            "details": self.details,
            "model_info": {
                "general.architecture": self.family,
                "general.file_type": 15,
                "general.parameter_count": self.parameter_count,
                "general.quantization_version": 2,
                f"{self.family}.context_length": self.context_length,
                f"{self.family}.embedding_length": 576,
                f"{self.family}.block_count": 30,
                "tokenizer.ggml.model": "gpt2",
                "tokenizer.ggml.tokens": None,
            },
            "capabilities": self.capabilities,
            "modified_at": go_time(self.modified_at),
        }


@dataclass
class LibraryModel:
    """A model the (pretend) registry has: its layers' sizes, in pull order."""

    name: str
    layers: list[tuple[str, int]]
    family: str = "llama"

    def layer_digests(self) -> list[tuple[str, int]]:
        return [("sha256:" + sha256_hex(f"{self.name}:{kind}"), size) for kind, size in self.layers]


def default_library() -> dict[str, LibraryModel]:
    return {
        canonical(m.name): m
        for m in (
            LibraryModel(
                "smollm2:135m", [("model", 270_000_000), ("template", 120), ("params", 90)]
            ),
            LibraryModel("qwen2.5:0.5b", [("model", 397_000_000), ("license", 11_300)], "qwen2"),
        )
    }


class OllamaTestServer:
    """The server and its state; `with OllamaTestServer() as server: server.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.models: dict[str, FakeModel] = {}
        self.library: dict[str, LibraryModel] = default_library()
        self.loaded: dict[str, datetime] = {}  # name → expires_at
        self.requests: list[dict[str, Any]] = []
        #: Failure modes: cut the TCP connection, or send an error line, after N stream lines.
        self.drop_after: int | None = None
        self.error_after: int | None = None
        #: Seconds between stream lines (to observe streaming as it happens).
        self.line_delay = 0.0
        self.progress_steps = 3
        self.lock = threading.Lock()
        self.connections: set[socket.socket] = set()
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add_model(self, name: str, **fields: Any) -> FakeModel:
        model = FakeModel(name, **fields)
        with self.lock:
            self.models[model.name] = model
        return model

    def find(self, name: str) -> FakeModel | None:
        return self.models.get(canonical(name))

    def requests_to(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"] == path]

    def start(self) -> OllamaTestServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop like a killed server: the listener and every open connection close."""
        self.httpd.shutdown()
        self.httpd.server_close()
        with self.lock:
            open_connections, self.connections = list(self.connections), set()
        for conn in open_connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> OllamaTestServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class _Dropped(Exception):
    """The handler cut the connection on purpose."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # chunked NDJSON streams, as Go's net/http sends them
    server_version = "ollama-test-server"

    @property
    def state(self) -> OllamaTestServer:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, *_args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        with self.state.lock:
            self.state.connections.add(self.connection)

    def finish(self) -> None:
        with self.state.lock:
            self.state.connections.discard(self.connection)
        with contextlib.suppress(OSError, ValueError):  # the socket was cut on purpose
            super().finish()

    # -- plumbing -------------------------------------------------------------------

    def _body(self) -> tuple[dict[str, Any] | None, str | None]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return None, "missing request body"
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            return None, f"invalid character in request body: {exc.msg}"
        return (data, None) if isinstance(data, dict) else (None, "invalid request body")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _stream(self, lines) -> None:
        """NDJSON over chunked encoding; failure modes apply to chat, generate and pull."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        state = self.state
        for index, line in enumerate(lines):
            if state.drop_after is not None and index >= state.drop_after:
                self._drop()
            if state.error_after is not None and index >= state.error_after:
                self._chunk({"error": MID_STREAM_ERROR})
                break
            self._chunk(line)
            if state.line_delay:
                time.sleep(state.line_delay)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _chunk(self, obj: Any) -> None:
        data = json.dumps(obj).encode() + b"\n"
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        """Die like a crashed server: close the socket mid-body, no terminating chunk."""
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.connection.close()
        self.close_connection = True
        raise _Dropped

    def _route(self, method: str) -> None:
        path = urlsplit(self.path).path
        body: dict[str, Any] | None = None
        problem: str | None = None
        if method in ("POST", "DELETE"):
            body, problem = self._body()
        with self.state.lock:
            self.state.requests.append({"method": method, "path": path, "body": body})
        routes = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): self._version,
            ("HEAD", "/api/version"): self._version,
            ("GET", "/api/tags"): self._tags,
            ("HEAD", "/api/tags"): self._tags,
            ("GET", "/api/ps"): self._ps,
            ("POST", "/api/show"): self._show,
            ("POST", "/api/pull"): self._pull,
            ("DELETE", "/api/delete"): self._delete,
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/generate"): self._generate,
            ("GET", "/v1/models"): self._v1_models,
            ("POST", "/v1/chat/completions"): self._v1_chat,
        }
        handler = routes.get((method, path))
        if handler is None:
            self._send(404, b"404 page not found", "text/plain")
            return
        if method in ("POST", "DELETE"):
            if problem is not None:
                self._error(400, problem)
                return
            # _Dropped: cut on purpose; the others: the client hung up (e.g. its read timeout).
            with contextlib.suppress(_Dropped, BrokenPipeError, ConnectionResetError):
                handler(body)
        else:
            handler()

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    # -- endpoints ----------------------------------------------------------------------

    def _root(self) -> None:
        self._send(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self) -> None:
        self._json(200, {"version": VERSION})

    def _tags(self) -> None:
        with self.state.lock:
            models = [m.tags_entry() for m in self.state.models.values()]
        self._json(200, {"models": models})

    def _ps(self) -> None:
        now = datetime.now(timezone.utc)
        out = []
        with self.state.lock:
            for name, expires in list(self.state.loaded.items()):
                model = self.state.models.get(name)
                if model is None or expires <= now:
                    del self.state.loaded[name]
                    continue
                entry = model.tags_entry()
                del entry["modified_at"]
                entry.update(expires_at=go_time(expires), size_vram=0, context_length=4096)
                out.append(entry)
        self._json(200, {"models": out})

    def _model_name(self, body: dict[str, Any]) -> str | None:
        return body.get("model") or body.get("name")

    def _show(self, body: dict[str, Any]) -> None:
        name = self._model_name(body)
        if not name:
            self._error(400, "model is required")
            return
        model = self.state.find(name)
        if model is None:
            self._error(404, f"model '{name}' not found")
            return
        self._json(200, model.show())

    def _delete(self, body: dict[str, Any]) -> None:
        name = self._model_name(body)
        if not name:
            self._error(400, "model is required")
            return
        with self.state.lock:
            model = self.state.models.pop(canonical(name), None)
            self.state.loaded.pop(canonical(name), None)
        if model is None:
            self._error(404, f"model '{name}' not found")
            return
        self._send(200, b"", "text/plain; charset=utf-8")

    def _pull(self, body: dict[str, Any]) -> None:
        name = self._model_name(body)
        if not name:
            self._error(400, "model is required")
            return
        entry = self.state.library.get(canonical(name))
        streaming = body.get("stream", True) is not False
        if entry is None:
            if streaming:
                self._stream(iter([{"status": "pulling manifest"}, {"error": NO_SUCH_MODEL}]))
            else:
                self._error(500, NO_SUCH_MODEL)
            return
        lines = self._pull_lines(entry)
        if streaming:
            self._stream(lines)
        else:
            for _ in lines:  # the download happens all the same
                pass
            self._json(200, {"status": "success"})

    def _pull_lines(self, entry: LibraryModel):
        state = self.state
        present = state.find(entry.name) is not None
        yield {"status": "pulling manifest"}
        for digest, size in entry.layer_digests():
            status = f"pulling {digest[7:19]}"
            if present:
                yield {"status": status, "digest": digest, "total": size, "completed": size}
                continue
            yield {"status": status, "digest": digest, "total": size}
            steps = state.progress_steps
            for step in range(1, steps + 1):
                yield {
                    "status": status,
                    "digest": digest,
                    "total": size,
                    "completed": size * step // steps,
                }
        yield {"status": "verifying sha256 digest"}
        yield {"status": "writing manifest"}
        state.add_model(entry.name, size=sum(s for _, s in entry.layers), family=entry.family)
        yield {"status": "success"}

    # -- inference ----------------------------------------------------------------------

    def _reply(self, text: str, options: dict[str, Any]) -> tuple[list[str], str]:
        """The echo "model": the words of `text`, cut by num_predict or a stop string."""
        words = text.split()
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
        limit = options.get("num_predict")
        reason = "stop"
        if isinstance(limit, int) and 0 <= limit < len(pieces):
            pieces, reason = pieces[:limit], "length"
        stops = options.get("stop") or []
        if isinstance(stops, str):
            stops = [stops]
        produced = ""
        for i, piece in enumerate(pieces):
            candidate = produced + piece
            hit = min((candidate.find(s) for s in stops if s and s in candidate), default=-1)
            if hit >= 0:
                cut = candidate[:hit][len(produced) :]
                return [*pieces[:i], cut] if cut else pieces[:i], "stop"
            produced = candidate
        return pieces, reason

    def _inference(self, body: dict[str, Any], *, chat: bool) -> None:
        state = self.state
        name = body.get("model")
        if not name:
            self._error(400, "model is required")
            return
        model = state.find(name)
        if model is None:
            self._error(404, f"model '{name}' not found")
            return
        options = body.get("options") or {}
        keep_alive = parse_keep_alive(body.get("keep_alive"))
        now = datetime.now(timezone.utc)
        head = {"model": name, "created_at": go_time(now)}
        if chat:
            messages = body.get("messages") or []
            empty = not messages
            user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
            text = user.get("content", "")
            prompt_words = sum(len(str(m.get("content", "")).split()) + 4 for m in messages)
        else:
            prompt = body.get("prompt") or ""
            empty = not prompt
            text = prompt
            prompt_words = len(prompt.split()) + len(str(body.get("system") or "").split()) + 4

        def piece(content: str) -> dict[str, Any]:
            if chat:
                return {"message": {"role": "assistant", "content": content}}
            return {"response": content}

        with state.lock:
            if keep_alive == timedelta(0):
                state.loaded.pop(model.name, None)
            else:
                forever = keep_alive is not None and keep_alive < timedelta(0)
                life = timedelta(days=3650) if forever else keep_alive or timedelta(minutes=5)
                state.loaded[model.name] = now + life
        if empty:  # load or unload, one object even when streaming
            reason = "unload" if keep_alive == timedelta(0) else "load"
            self._json(200, {**head, **piece(""), "done_reason": reason, "done": True})
            return
        pieces, reason = self._reply(text, options)
        metrics = {
            "total_duration": 1_000_000 + 2_000_000 * len(pieces),
            "load_duration": 1_000_000,
            "prompt_eval_count": prompt_words,
            "prompt_eval_duration": 500_000,
            "eval_count": len(pieces),
            "eval_duration": 2_000_000 * len(pieces),
        }
        metrics = {k: v for k, v in metrics.items() if v}  # Go's omitempty
        if not chat:
            metrics["context"] = list(range(1, prompt_words + len(pieces) + 1))
        final = {**head, "done": True, "done_reason": reason, **metrics}
        if body.get("stream", True) is False:
            if state.drop_after is not None:  # died while generating, before answering
                self._drop()
            if state.error_after is not None:
                self._error(500, MID_STREAM_ERROR)
                return
            self._json(200, {**head, **piece("".join(pieces)), **final})
            return
        lines = [{**head, **piece(p), "done": False} for p in pieces[:-1]]
        lines.append({**head, **piece(pieces[-1] if pieces else ""), **final})
        self._stream(iter(lines))

    def _chat(self, body: dict[str, Any]) -> None:
        self._inference(body, chat=True)

    def _generate(self, body: dict[str, Any]) -> None:
        self._inference(body, chat=False)

    # -- OpenAI compatibility (/v1) -------------------------------------------------------

    def _v1_error(self, status: int, message: str) -> None:
        kinds = {400: "invalid_request_error", 404: "not_found_error"}
        self._json(status, {"error": {"message": message, "type": kinds.get(status, "api_error")}})

    def _v1_models(self) -> None:
        with self.state.lock:
            models = list(self.state.models.values())
        data = [
            {
                "id": m.name,
                "object": "model",
                "created": int(m.modified_at.timestamp()),
                "owned_by": m.name.split("/")[0] if "/" in m.name else "library",
            }
            for m in models
        ]
        self._json(200, {"object": "list", "data": data})

    def _v1_chat(self, body: dict[str, Any]) -> None:
        state = self.state
        name = body.get("model")
        if not name:
            self._v1_error(400, "model is required")
            return
        model = state.find(name)
        if model is None:
            self._v1_error(404, f"model '{name}' not found")
            return
        messages = body.get("messages") or []
        user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        options = {"stop": body.get("stop") or []}
        if isinstance(body.get("max_tokens"), int):
            options["num_predict"] = body["max_tokens"]
        pieces, reason = self._reply(str(user.get("content", "")), options)
        usage = {
            "prompt_tokens": sum(len(str(m.get("content", "")).split()) + 4 for m in messages),
            "completion_tokens": len(pieces),
        }
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        head = {
            "id": f"chatcmpl-{len(state.requests)}",
            "created": int(time.time()),
            "model": name,
            "system_fingerprint": "fp_ollama",
        }
        if body.get("stream") is not True:
            if state.drop_after is not None:
                self._drop()
            if state.error_after is not None:
                self._v1_error(500, MID_STREAM_ERROR)
                return
            message = {"role": "assistant", "content": "".join(pieces)}
            choice = {"index": 0, "message": message, "finish_reason": reason}
            self._json(
                200, {**head, "object": "chat.completion", "choices": [choice], "usage": usage}
            )
            return
        chunk = {**head, "object": "chat.completion.chunk"}

        def delta(content: str, finish: str | None) -> dict[str, Any]:
            piece = {"role": "assistant", "content": content}
            return {**chunk, "choices": [{"index": 0, "delta": piece, "finish_reason": finish}]}

        events = [delta(p, None) for p in pieces] + [delta("", reason)]
        if (body.get("stream_options") or {}).get("include_usage"):
            events.append({**chunk, "choices": [], "usage": usage})
        self._sse(events)

    def _sse(self, events: list[dict[str, Any]]) -> None:
        """Server-sent events over chunked encoding, with the NDJSON stream's failure modes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        state = self.state

        def send(data: str) -> None:
            raw = f"data: {data}\n\n".encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()

        for index, event in enumerate(events):
            if state.drop_after is not None and index >= state.drop_after:
                self._drop()
            if state.error_after is not None and index >= state.error_after:
                send(json.dumps({"error": {"message": MID_STREAM_ERROR, "type": "api_error"}}))
                break
            send(json.dumps(event))
            if state.line_delay:
                time.sleep(state.line_delay)
        else:
            send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def main(argv: list[str]) -> int:
    """A fake `ollama serve`: binds to OLLAMA_HOST (host:port) and serves until killed."""
    if not argv or argv[0] != "serve":
        print("usage: ollama serve [--model NAME ...]", file=sys.stderr)
        return 2
    host, _, port = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434").rpartition(":")
    server = OllamaTestServer(host or "127.0.0.1", int(port))
    for i, arg in enumerate(argv):
        if arg == "--model" and i + 1 < len(argv):
            server.add_model(argv[i + 1])
    print(f"Listening on {server.url} (version {VERSION})", flush=True)
    server.httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
