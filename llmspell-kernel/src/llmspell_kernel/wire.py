"""The Jupyter wire protocol, just as much as a connected CLI call needs, on bare pyzmq.

`jupyter_client`'s clients pull in traitlets, asyncio machinery and a readiness loop that
sleeps in 0.2-1 s steps; a one-shot `llmspell exec --connect` must cost milliseconds, so
the CLI speaks the protocol directly: HMAC-SHA256-signed multipart messages (replies with
a wrong signature are dropped), DEALER sockets for shell and control, SUB for iopub.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from datetime import datetime, timezone
from typing import Any

import zmq

DELIM = b"<IDS|MSG>"
PROTOCOL = "5.3"


class Wire:
    def __init__(self, info: dict[str, Any]) -> None:
        if info.get("signature_scheme", "hmac-sha256") != "hmac-sha256":
            raise ValueError(f"unsupported signature scheme {info.get('signature_scheme')}")
        self.key = str(info.get("key", "")).encode()
        self.session = uuid.uuid4().hex
        self.context = zmq.Context.instance()
        transport, ip = info.get("transport", "tcp"), info["ip"]

        def url(port: str) -> str:
            return f"{transport}://{ip}:{info[port]}"

        self.hb_url = url("hb_port")

        self.shell = self._socket(zmq.DEALER, url("shell_port"))
        self.control = self._socket(zmq.DEALER, url("control_port"))
        self.iopub = self._socket(zmq.SUB, url("iopub_port"))
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.poller = zmq.Poller()
        self.poller.register(self.shell, zmq.POLLIN)
        self.poller.register(self.iopub, zmq.POLLIN)

    def _socket(self, kind: int, url: str) -> zmq.Socket:
        sock = self.context.socket(kind)
        sock.setsockopt(zmq.LINGER, 200)
        sock.connect(url)
        return sock

    def _sign(self, parts: list[bytes]) -> bytes:
        if not self.key:
            return b""
        mac = hmac.new(self.key, digestmod=hashlib.sha256)
        for part in parts:
            mac.update(part)
        return mac.hexdigest().encode()

    def message(
        self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "session": self.session,
                "username": os.environ.get("USER", "llmspell"),
                "date": datetime.now(timezone.utc).isoformat(),
                "msg_type": msg_type,
                "version": PROTOCOL,
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
        }

    def send(self, channel: str, msg: dict[str, Any]) -> str:
        parts = [
            json.dumps(msg[k], default=str).encode()
            for k in ("header", "parent_header", "metadata", "content")
        ]
        sock = self.control if channel == "control" else self.shell
        sock.send_multipart([DELIM, self._sign(parts), *parts])
        return msg["header"]["msg_id"]

    def receive(self, timeout: float) -> tuple[str, dict[str, Any]] | None:
        """("shell" | "iopub", message) within `timeout` seconds, else None; messages with a
        bad signature are skipped."""
        for sock, _ in self.poller.poll(timeout * 1000):
            frames = sock.recv_multipart()
            try:
                at = frames.index(DELIM)
            except ValueError:
                continue
            signature, *parts = frames[at + 1 : at + 6]
            if len(parts) < 4 or not hmac.compare_digest(signature, self._sign(parts)):
                continue
            header, parent, metadata, content = (json.loads(p) for p in parts[:4])
            msg = {
                "header": header,
                "msg_type": header.get("msg_type"),
                "parent_header": parent,
                "metadata": metadata,
                "content": content,
            }
            return ("shell" if sock is self.shell else "iopub"), msg
        return None

    def ping(self, timeout: float) -> bool:
        """Whether the kernel's heartbeat echoes within `timeout` seconds."""
        sock = self._socket(zmq.REQ, self.hb_url)
        try:
            sock.send(b"ping")
            return bool(sock.poll(timeout * 1000))
        finally:
            sock.close(linger=0)

    def close(self) -> None:
        for sock in (self.shell, self.control, self.iopub):
            sock.close()
