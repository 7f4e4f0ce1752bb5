"""A fake Harbor on loopback: a small threaded HTTP server for the provider's tests.

No real Harbor can run here (it ships as container images), so this server stands in for the
parts of its v2.0 API regform uses. It is held to Harbor's published schema: every request is
checked against ``swagger.yaml`` before it is served (a violation is answered 422, as Harbor's
own schema check does) and every response is checked before it is sent (a violation fails the
test), both with a strict check for unknown fields (:mod:`swagger_check`).

Each behaviour cites where it comes from: ``facts:N`` is line N of ``api-facts.md`` (facts about
Harbor's REST API, beside this file); ``schema:`` names a definition or operation of
``swagger.yaml``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harbor_state import HarborState, HttpError
from swagger_check import (
    BASE,
    Request,
    Response,
    SchemaViolation,
    check_request,
    check_response,
    find_operation,
)

USER, PASSWORD = "admin", "Harbor12345"


def error(status: int, code: str, message: str) -> Response:
    """facts:8: ``{"errors":[{"code","message"}]}``."""
    return Response(status, {"errors": [{"code": code, "message": message}]}, {})


class FakeHarbor:
    """The server, its state, and what it saw."""

    def __init__(self) -> None:
        self.state = HarborState()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        #: the operations of every write request (POST, PUT, PATCH, DELETE) it saw.
        self.writes: list[str] = []
        self.violations: list[str] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeHarbor:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self, operation: str) -> int:
        return sum(1 for op, _, _ in self.requests if op == operation)

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response:
        parts = urlsplit(raw_path)
        if not parts.path.startswith(BASE):
            return error(404, "NOT_FOUND", "not found")
        # facts:7: a session cookie makes /api/ writes go through the CSRF check, and a client
        # without the token gets 403 "CSRF token invalid".
        if "cookie" in headers and method in ("POST", "PUT", "PATCH", "DELETE"):
            return error(403, "FORBIDDEN", "CSRF token invalid")
        # facts:6: HTTP basic auth with a user (or a robot and its secret).
        if headers.get("authorization") != "Basic " + base64.b64encode(
            f"{USER}:{PASSWORD}".encode()
        ).decode("ascii"):
            return error(401, "UNAUTHORIZED", "unauthorized")
        try:
            op, path_params = find_operation(method, parts.path)
        except SchemaViolation as exc:
            return error(404, "NOT_FOUND", str(exc))
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        payload = json.loads(body) if body else None
        request = Request(path=path_params, query=query, headers=headers, body=payload)
        with self.lock:
            self.requests.append((op.operation_id, raw_path, dict(headers)))
            if method in ("POST", "PUT", "PATCH", "DELETE"):
                self.writes.append(op.operation_id)
        try:
            params = check_request(op, request)
        except SchemaViolation as exc:
            # facts:8: a schema violation (wrong type, page_size > 100) gives 422
            return error(422, "UNPROCESSABLE_ENTITY", str(exc))
        try:
            with self.lock:
                response = self.state.serve(op.operation_id, params, request, raw_path)
        except HttpError as exc:
            response = error(exc.status, exc.code, exc.message)
        response.headers["X-Request-Id"] = secrets.token_hex(6)  # facts:8
        try:
            check_response(op, response)
        except SchemaViolation as exc:
            self.violations.append(str(exc))
            return error(500, "UNKNOWN", f"fake Harbor answered outside its schema: {exc}")
        return response


class _Handler(BaseHTTPRequestHandler):
    fake: FakeHarbor
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.fake.handle(self.command, self.path, headers, body)
        text = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        # facts:7: Harbor sets a session cookie even on basic-auth responses
        self.send_header("Set-Cookie", f"sid={secrets.token_hex(8)}; Path=/; HttpOnly")
        for key, value in response.headers.items():
            self.send_header(key, str(value))
        if text:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(text)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@contextmanager
def running() -> Iterator[FakeHarbor]:
    fake = FakeHarbor().start()
    try:
        yield fake
    finally:
        fake.stop()
