"""A minimal HTTP/1.1 server that answers AWS JSON-protocol requests from a recording.

Timing a client against an emulator measures the emulator: moto spends milliseconds of CPU on each
call. This server answers from recorded responses instead, at a fraction of that cost, and adds a
fixed latency per request (``asyncio.sleep``: concurrent requests wait at the same time, as they
would on a network). It speaks just enough HTTP/1.1 for botocore and urllib3: keep-alive,
``Content-Length`` bodies; over TLS too (``tls=True``: a self-signed certificate for 127.0.0.1
made at startup, its file in :attr:`ReplayServer.ca_file` for the client to trust).

It is strict, so that a client bug cannot pass silently (:mod:`replay_checks`): malformed HTTP
(a repeated header such as two ``Content-Length``, bad framing, chunked bodies) gets 400 and the
connection is closed; a request whose ``Authorization`` header is not SigV4-shaped
(``AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=...,
Signature=<64 hex>`` with a matching ``X-Amz-Date``) gets 400 ``IncompleteSignatureException``.
Both are counted as ``rejected``.

With ``rate`` set, each operation (``X-Amz-Target``) has its own token bucket of ``rate``
requests per second holding at most ``burst``; a request past it is answered as ECR throttles:
HTTP 400, ``{"__type": "ThrottlingException", "message": "Rate exceeded"}``.

A request is looked up by its ``X-Amz-Target`` header and its JSON body in canonical form
(:func:`request_key`); signatures, dates and other headers do not matter. A request that was not
recorded gets HTTP 400 with ``__type`` ``ReplayMissException`` (and is counted as a miss).

In record mode (``upstream`` given) every request is forwarded to the upstream server (moto) and
its response stored; :meth:`ReplayServer.recording` fetches what was stored.

Control endpoints (GET): ``/__replay/stats`` (requests, throttled responses and rejections by
target, misses, the server's CPU seconds), ``/__replay/recording`` (the recording, pickled).

The server runs in its own process (:class:`ReplayServer`), so its CPU never counts against the
client being measured.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import pickle
import resource
import ssl
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3
from replay_checks import BadRequest, read_request, self_signed_certificate, sigv4_problem

CONTROL_PREFIX = "/__replay/"
MISS_TYPE = "ReplayMissException"
JSON_TYPE = (("Content-Type", "application/x-amz-json-1.1"),)
#: response headers kept from the upstream (the rest are hop-by-hop or per-response noise).
KEPT_HEADERS = ("content-type", "x-amzn-requestid")


@dataclass(frozen=True, slots=True)
class Reply:
    """One recorded response."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = JSON_TYPE


#: request key -> reply
Recording = dict[str, Reply]

THROTTLED = Reply(400, b'{"__type":"ThrottlingException","message":"Rate exceeded"}')


def canonical_body(body: bytes) -> str:
    """The JSON body with sorted keys and no spaces ("" for an empty body)."""
    if not body.strip():
        return ""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return body.decode("utf-8", "replace")


def request_key(target: str, body: bytes) -> str:
    """What identifies a request in a recording: its target and its canonical body."""
    return f"{target}\n{canonical_body(body)}"


def _error(status: int, kind: str, message: str) -> Reply:
    return Reply(status, json.dumps({"__type": kind, "message": message}).encode())


def _encode(reply: Reply, *, close: bool) -> bytes:
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}
    head = [f"HTTP/1.1 {reply.status} {reason.get(reply.status, 'Status')}"]
    head += [f"{k}: {v}" for k, v in reply.headers]
    head.append(f"Content-Length: {len(reply.body)}")
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` held; starts full."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, max(1.0, burst)
        self.tokens, self.stamp = self.burst, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class _Service:
    """The state of one running server: the recording, the counters, the buckets, the upstream."""

    def __init__(
        self,
        recording: Recording,
        latency: float,
        upstream: str | None,
        rate: float | None,
        burst: float,
    ) -> None:
        self.recording = recording
        self.latency = latency
        self.upstream = upstream.rstrip("/") if upstream else None
        self.pool = urllib3.PoolManager(maxsize=32) if upstream else None
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, TokenBucket] = {}
        self.by_target: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.misses = 0

    def stats(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "requests": sum(self.by_target.values()),
            "by_target": dict(sorted(self.by_target.items())),
            "throttled": dict(sorted(self.throttled.items())),
            "rejected": dict(sorted(self.rejected.items())),
            "misses": self.misses,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
        }

    def control(self, path: str) -> Reply:
        what = path[len(CONTROL_PREFIX) :]
        if what == "stats":
            return Reply(200, json.dumps(self.stats()).encode(), (("Content-Type", "text/json"),))
        if what == "recording":
            return Reply(200, pickle.dumps(self.recording), (("Content-Type", "x-pickle"),))
        return Reply(404, b"{}")

    def reject(self, why: str) -> None:
        self.rejected[why] += 1

    def _admit(self, target: str) -> bool:
        if self.rate is None:
            return True
        bucket = self.buckets.get(target)
        if bucket is None:
            bucket = self.buckets[target] = TokenBucket(self.rate, self.burst)
        return bucket.take()

    async def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        target = headers.get("x-amz-target", "")
        self.by_target[target or f"{method} {path}"] += 1
        problem = sigv4_problem(headers, target)
        if problem is not None:
            self.reject("signature")
            if "authorization" not in headers:
                return _error(403, "MissingAuthenticationTokenException", problem)
            return _error(400, "IncompleteSignatureException", problem)
        key = request_key(target, body)
        if self.upstream is not None:
            reply = await self._forward(method, path, headers, body)
            self.recording[key] = reply
            return reply
        if not self._admit(target):
            self.throttled[target] += 1
            reply = THROTTLED
        else:
            found = self.recording.get(key)
            if found is None:
                self.misses += 1
                found = _error(400, MISS_TYPE, f"no recorded response for {target}")
            reply = found
        if self.latency:
            await asyncio.sleep(self.latency)
        return reply

    async def _forward(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        assert self.pool is not None and self.upstream is not None
        sent = {k: v for k, v in headers.items() if k not in ("host", "connection")}
        loop = asyncio.get_running_loop()
        resp = await loop.run_in_executor(
            None,
            lambda: self.pool.request(  # type: ignore[union-attr]
                method, self.upstream + path, body=body, headers=sent, retries=False
            ),
        )
        kept = tuple((k, v) for k, v in resp.headers.items() if k.lower() in KEPT_HEADERS)
        return Reply(resp.status, resp.data, kept)


async def _serve_connection(
    service: _Service, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                request = await read_request(reader)
            except BadRequest as exc:
                service.reject("http")
                writer.write(_encode(_error(400, "BadRequest", str(exc)), close=True))
                await writer.drain()
                return
            if request is None:
                return
            method, path, headers, body = request
            close = headers.get("connection", "").lower() == "close"
            if path.startswith(CONTROL_PREFIX):
                reply = service.control(path)
            else:
                reply = await service.answer(method, path, headers, body)
            writer.write(_encode(reply, close=close))
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
        return
    finally:
        writer.close()


async def _main(service: _Service, tls: tuple[str, str] | None, ready: Any) -> None:
    context = None
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(service, r, w), "127.0.0.1", 0, backlog=256, ssl=context
    )
    ready.send(server.sockets[0].getsockname()[1])
    ready.close()
    async with server:
        await server.serve_forever()


def _run(
    recording_file: str | None,
    latency: float,
    upstream: str | None,
    limits: tuple[float | None, float],
    tls: tuple[str, str] | None,
    ready: Any,
) -> None:
    recording: Recording = {}
    if recording_file:
        recording = pickle.loads(Path(recording_file).read_bytes())
    service = _Service(recording, latency, upstream, *limits)
    asyncio.run(_main(service, tls, ready))


class ReplayServer:
    """The replay server in a child process, on a free loopback port.

    ``recording_file``: a pickled :data:`Recording` to answer from; ``upstream``: record mode,
    forwarding to that URL. ``latency`` is in seconds. ``rate``/``burst``: the token bucket of
    each operation (none by default). ``tls``: serve HTTPS with a fresh self-signed certificate.
    """

    def __init__(
        self,
        *,
        recording_file: Path | None = None,
        latency: float = 0.0,
        upstream: str | None = None,
        rate: float | None = None,
        burst: float | None = None,
        tls: bool = False,
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="regform-replay-")
        self.ca_file: Path | None = None
        files = None
        if tls:
            self.ca_file, key_file = self_signed_certificate(Path(self._tmp.name))
            files = (str(self.ca_file), str(key_file))
        limits = (rate, burst if burst is not None else (rate or 1.0) / 10)
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run,
            args=(
                str(recording_file) if recording_file else None,
                latency,
                upstream,
                limits,
                files,
                child,
            ),
            daemon=True,
        )
        self._process.start()
        child.close()
        if not parent.poll(60):
            self._process.kill()
            raise RuntimeError("replay server did not start")
        self.port = int(parent.recv())
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        ca = {"ca_certs": str(self.ca_file)} if self.ca_file else {}
        self._http = urllib3.PoolManager(maxsize=1, **ca)

    def stats(self) -> dict[str, Any]:
        resp = self._http.request("GET", self.url + CONTROL_PREFIX + "stats")
        data: dict[str, Any] = json.loads(resp.data)
        return data

    def recording(self) -> Recording:
        resp = self._http.request("GET", self.url + CONTROL_PREFIX + "recording")
        data: Recording = pickle.loads(resp.data)
        return data

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(10)
        self._tmp.cleanup()

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def save_recording(recording: Mapping[str, Reply], path: Path) -> Path:
    path.write_bytes(pickle.dumps(dict(recording), protocol=pickle.HIGHEST_PROTOCOL))
    return path
