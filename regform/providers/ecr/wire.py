"""Keep-alive HTTP/1.1 connections for ECR's per-repository reads.

A read is one small JSON request and one small JSON response. urllib3 spends several times the
CPU of the round trip itself on it (the request written in two sends, the response headers parsed
by the ``email`` package, botocore's header dictionaries around both), so :class:`Wire` speaks
just the HTTP/1.1 these reads need: the request in one ``sendall``, a response framed by
``Content-Length``, ``Transfer-Encoding: chunked`` or the end of the connection, connections kept
alive and reused, TLS through :mod:`ssl`.

It is built from the botocore client's own HTTP session (:func:`wire_for`), with the same
certificate bundle (``verify``: True, False, or a path), socket options, connect and read
timeouts and pool size. Where that session would do something :class:`Wire` does not (send
through a proxy, present a client certificate), or where this botocore does not say, there is no
:class:`Wire` and botocore's session sends.

Failures surface as the botocore exceptions botocore's session raises for them
(:class:`~botocore.exceptions.EndpointConnectionError`, ``ConnectTimeoutError``,
``ReadTimeoutError``, ``ConnectionClosedError``, ``SSLError``), so retries and error messages do
not depend on the path. A request on a reused connection that the server had closed (no byte of a
response came back) is sent once more on a new connection, as urllib3 does.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ReadTimeoutError,
    SSLError,
)
from botocore.httpsession import get_cert_path

CHUNK = 65536
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_HEADER_BYTES = 65536


class _Closed(Exception):
    """The connection ended before a complete response."""

    def __init__(self, got_bytes: bool) -> None:
        super().__init__("connection closed")
        self.got_bytes = got_bytes


class _Response:
    __slots__ = ("status", "headers", "body", "keep_alive")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, keep: bool) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.keep_alive = keep


class _Connection:
    """One socket and what was read past the last response."""

    __slots__ = ("sock", "buf")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def _fill(self, got: bool) -> None:
        data = self.sock.recv(CHUNK)
        if not data:
            raise _Closed(got)
        self.buf += data

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill(True)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _line(self) -> bytes:
        end = self.buf.find(b"\r\n")
        while end < 0:
            if len(self.buf) > MAX_HEADER_BYTES:
                raise ValueError("response line too long")
            self._fill(True)
            end = self.buf.find(b"\r\n")
        line = bytes(self.buf[:end])
        del self.buf[: end + 2]
        return line

    def exchange(self, data: bytes) -> _Response:
        self.sock.sendall(data)
        while True:
            end = self.buf.find(b"\r\n\r\n")
            while end < 0:
                if len(self.buf) > MAX_HEADER_BYTES:
                    raise ValueError("response headers too long")
                self._fill(bool(self.buf))
                end = self.buf.find(b"\r\n\r\n")
            head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            del self.buf[: end + 4]
            version, _, rest = head[0].partition(" ")
            status = int(rest[:3])
            headers: dict[str, str] = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if 100 <= status < 200:
                continue  # an interim response: the real one follows
            return self._body(version, status, headers)

    def _body(self, version: str, status: int, headers: dict[str, str]) -> _Response:
        connection = headers.get("connection", "").lower()
        keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self._line().split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self._line():  # trailers, up to the empty line
                        pass
                    break
                parts.append(self._take(size))
                self._take(2)
            body = b"".join(parts)
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        else:
            try:
                while True:
                    self._fill(True)
            except _Closed:
                pass
            body, keep = bytes(self.buf), False
            self.buf.clear()
        return _Response(status, headers, body, keep and not self.buf)


class Wire:
    """A pool of keep-alive connections to one HTTP(S) origin (see the module docstring)."""

    def __init__(
        self,
        url: str,
        *,
        verify: bool | str = True,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        socket_options: list[tuple[int, int, int]] | None = None,
        max_idle: int = 10,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.url = url
        self.https = parts.scheme == "https"
        self.hostname = parts.hostname
        self.port = parts.port or DEFAULT_PORTS[parts.scheme]
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        if parts.port is not None and parts.port != DEFAULT_PORTS[parts.scheme]:
            host = f"{host}:{parts.port}"
        #: the Host header (as botocore's signer derives it from the URL).
        self.host_header = host
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._socket_options = list(socket_options or [])
        self._max_idle = max(1, max_idle)
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._ssl = _ssl_context(verify) if self.https else None

    def post(
        self, headers: Iterable[tuple[str, str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one POST; (status, lower-case headers, body)."""
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {self.host_header}"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() != "host"]
        lines.append(f"Content-Length: {len(body)}")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        conn, reused = self._checkout()
        while True:
            try:
                response = self._exchange(conn, data)
                break
            except _Closed as exc:
                conn.close()
                if reused and not exc.got_bytes:  # the server had closed an idle connection
                    conn, reused = self._connect(), False
                    continue
                raise ConnectionClosedError(endpoint_url=self.url) from exc
            except BaseException:
                conn.close()
                raise
        if response.keep_alive:
            self._checkin(conn)
        else:
            conn.close()
        return response.status, response.headers, response.body

    def _exchange(self, conn: _Connection, data: bytes) -> _Response:
        try:
            return conn.exchange(data)
        except _Closed:
            raise
        except TimeoutError as exc:
            conn.close()
            raise ReadTimeoutError(endpoint_url=self.url, error=exc) from exc
        except (
            ConnectionResetError,
            BrokenPipeError,
            ssl.SSLZeroReturnError,
            ssl.SSLEOFError,
        ) as exc:
            raise _Closed(False) from exc
        except ssl.SSLError as exc:
            conn.close()
            raise SSLError(endpoint_url=self.url, error=exc) from exc
        except (OSError, ValueError) as exc:
            conn.close()
            raise ConnectionClosedError(endpoint_url=self.url) from exc

    def _checkout(self) -> tuple[_Connection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _checkin(self, conn: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def _connect(self) -> _Connection:
        try:
            sock = socket.create_connection(
                (self.hostname, self.port), timeout=self._connect_timeout
            )
        except TimeoutError as exc:
            raise ConnectTimeoutError(endpoint_url=self.url, error=exc) from exc
        except OSError as exc:
            raise EndpointConnectionError(endpoint_url=self.url, error=exc) from exc
        try:
            for level, option, value in self._socket_options:
                sock.setsockopt(level, option, value)
            if self._ssl is not None:
                sock = self._ssl.wrap_socket(sock, server_hostname=self.hostname)
            sock.settimeout(self._read_timeout)
        except TimeoutError as exc:
            sock.close()
            raise ConnectTimeoutError(endpoint_url=self.url, error=exc) from exc
        except ssl.SSLError as exc:
            sock.close()
            raise SSLError(endpoint_url=self.url, error=exc) from exc
        except OSError as exc:
            sock.close()
            raise HTTPClientError(error=exc) from exc
        return _Connection(sock)

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _ssl_context(verify: bool | str) -> ssl.SSLContext:
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    bundle = verify if isinstance(verify, str) else get_cert_path(True)
    if bundle is None:
        return ssl.create_default_context()
    if os.path.isdir(bundle):
        return ssl.create_default_context(capath=bundle)
    return ssl.create_default_context(cafile=bundle)


def _timeouts(timeout: Any) -> tuple[float | None, float | None]:
    if isinstance(timeout, int | float):
        return float(timeout), float(timeout)
    connect = getattr(timeout, "connect_timeout", None)
    read = getattr(timeout, "read_timeout", None)
    return (
        float(connect) if isinstance(connect, int | float) else None,
        float(read) if isinstance(read, int | float) else None,
    )


def wire_for(session: Any, url: str, max_idle: int) -> Wire | None:
    """A :class:`Wire` to ``url`` with the settings of botocore's HTTP ``session``, or None when
    that session must send itself (a proxy or a client certificate applies, or this botocore
    keeps its settings elsewhere)."""
    needed = ("_verify", "_proxy_config", "_timeout", "_socket_options", "_cert_file")
    if not all(hasattr(session, name) for name in needed):
        return None
    proxy_for = getattr(session._proxy_config, "proxy_url_for", None)
    if not callable(proxy_for) or proxy_for(url) or session._cert_file:
        return None
    verify = session._verify
    if not isinstance(verify, bool | str):
        return None
    connect, read = _timeouts(session._timeout)
    options = session._socket_options
    try:
        return Wire(
            url,
            verify=verify,
            connect_timeout=connect,
            read_timeout=read,
            socket_options=[tuple(o) for o in options] if options else None,
            max_idle=max_idle,
        )
    except ValueError:
        return None
