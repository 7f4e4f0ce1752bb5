"""A loopback HTTP server in front of the emulator that can misbehave on purpose.

It forwards every request to the emulator (so every answer that is not a scripted fault is the
emulator's own), and can instead answer the next requests of an operation with a scripted error
(throttling, a server error), frame its responses in any of HTTP/1.1's three ways, or drop a
keep-alive connection after a response without saying so. It also serves as a forward proxy: a
request line naming an absolute URL is forwarded to the emulator all the same.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


@dataclass
class Fault:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    """What the server does; tests change it while it runs."""

    upstream: str
    #: operation (X-Amz-Target suffix) -> faults answered before forwarding again
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    #: "length" (Content-Length), "chunked", or "close" (body ends with the connection)
    framing: str = "length"
    #: close every connection after its response without a ``Connection: close``
    drop_idle: bool = False
    seen: Counter[str] = field(default_factory=Counter)
    #: headers of every request, in order: (operation, {lower-case name: value})
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: request lines' targets (path or absolute URL) in order
    paths: list[str] = field(default_factory=list)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    upstream = requests.Session()
    upstream.trust_env = False  # never through a proxy the test sets for the client

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            op = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
            script.seen[op] += 1
            script.requests.append((op, {k.lower(): v for k, v in self.headers.items()}))
            script.paths.append(self.path)
            pending = script.faults.get(op)
            if pending:
                fault = pending.pop(0)
                payload = json.dumps(fault.body).encode() if fault.body is not None else b""
                self._reply(fault.status, payload, fault.headers)
                return
            sent = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
            resp = upstream.post(script.upstream + "/", data=body, headers=sent, timeout=30)
            self._reply(resp.status_code, resp.content, {})

        def _reply(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            for k, v in headers.items():
                self.send_header(k, v)
            if script.framing == "chunked":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                half = len(payload) // 2
                for part in (payload[:half], payload[half:]):
                    if part:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            elif script.framing == "close":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            if script.drop_idle:
                self.close_connection = True

    return Handler


class FaultServer:
    """The server on a free loopback port, in a background thread."""

    def __init__(self, upstream: str) -> None:
        self.script = Script(upstream=upstream.rstrip("/"))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.script))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def fail(self, op: str, *faults: Fault) -> None:
        self.script.faults.setdefault(op, []).extend(faults)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


THROTTLED = Fault(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
