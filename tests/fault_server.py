"""A loopback HTTP server in front of the emulator that can misbehave on purpose.

It forwards every request to the emulator (so every answer that is not a scripted fault is the
emulator's own), and can instead answer the next requests of an operation with a scripted error
(throttling, a server error), frame its responses in any of HTTP/1.1's three ways, or drop a
keep-alive connection after a response without saying so. It also serves as a forward proxy: a
request line naming an absolute URL is forwarded to the emulator all the same.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Fault:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: an answer in another protocol's form (STS answers errors in XML), sent as it is
    raw: bytes | None = None


@dataclass
class Script:
    """What the server does; tests change it while it runs."""

    upstream: str
    #: operation (X-Amz-Target suffix) -> faults answered before forwarding again
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    #: operation -> how many of its next requests are forwarded, their answer then lost (the
    #: connection closes without a response)
    lose: Counter[str] = field(default_factory=Counter)
    #: "length" (Content-Length), "chunked", or "close" (body ends with the connection)
    framing: str = "length"
    #: close every connection after its response without a ``Connection: close``
    drop_idle: bool = False
    seen: Counter[str] = field(default_factory=Counter)
    #: headers of every request, in order: (operation, {lower-case name: value})
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    #: request lines' targets (path or absolute URL) in order
    paths: list[str] = field(default_factory=list)
    #: requests being answered now, and the most there ever were at once
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    upstream = requests.Session()
    upstream.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))
    upstream.trust_env = False  # never through a proxy the test sets for the client

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            with script.lock:
                script.in_flight += 1
                script.max_in_flight = max(script.max_in_flight, script.in_flight)
            try:
                self._answer()
            finally:
                with script.lock:
                    script.in_flight -= 1

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            op = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
            if not op:  # the query protocol (STS) names the operation in the form body
                op = parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
            script.seen[op] += 1
            script.requests.append((op, {k.lower(): v for k, v in self.headers.items()}))
            script.paths.append(self.path)
            pending = script.faults.get(op)
            if pending:
                fault = pending.pop(0)
                payload = json.dumps(fault.body).encode() if fault.body is not None else b""
                payload = fault.raw if fault.raw is not None else payload
                self._reply(fault.status, payload, fault.headers)
                return
            sent = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
            resp = upstream.post(script.upstream + "/", data=body, headers=sent, timeout=30)
            if script.lose[op] > 0:
                script.lose[op] -= 1
                self.close_connection = True
                return
            self._reply(resp.status_code, resp.content, {})

        def _reply(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            if "Content-Type" not in headers:
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
    """The server on a free loopback port, in a background thread; over TLS with ``tls``
    (certificate and key files)."""

    def __init__(self, upstream: str, tls: tuple[Path, Path] | None = None) -> None:
        self.script = Script(upstream=upstream.rstrip("/"))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.script))
        self._server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def fail(self, op: str, *faults: Fault) -> None:
        self.script.faults.setdefault(op, []).extend(faults)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


THROTTLED = Fault(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path


def make_certificates(directory: Path) -> Certificates:
    """A private CA and a certificate it signed for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)

    def build(subject: str, issuer: str, key: Any, signer: Any, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            address = x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
            builder = builder.add_extension(x509.SubjectAlternativeName([address]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    files = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    pem = serialization.Encoding.PEM
    ca_cert = build("fault server test CA", "fault server test CA", ca_key, ca_key, True)
    files.ca.write_bytes(ca_cert.public_bytes(pem))
    cert = build("127.0.0.1", "fault server test CA", key, ca_key, False)
    files.cert.write_bytes(cert.public_bytes(pem))
    files.key.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files
