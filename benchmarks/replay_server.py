"""A minimal HTTP/1.1 server that answers AWS JSON-protocol requests from a recording.

Timing a client against an emulator measures the emulator: moto spends milliseconds of CPU on each
call. This server answers from recorded responses instead, at a fraction of that cost, and adds a
fixed latency per request (``asyncio.sleep``: concurrent requests wait at the same time, as they
would on a network). It speaks just enough HTTP/1.1 for botocore and urllib3: keep-alive,
``Content-Length`` bodies, no chunked requests.

A request is looked up by its ``X-Amz-Target`` header and its JSON body in canonical form
(:func:`request_key`); signatures, dates and other headers do not matter. A request that was not
recorded gets HTTP 400 with ``__type`` ``ReplayMissException`` (and is counted as a miss).

In record mode (``upstream`` given) every request is forwarded to the upstream server (moto) and
its response stored; :meth:`ReplayServer.recording` fetches what was stored.

Control endpoints (GET): ``/__replay/stats`` (requests by target, misses, the server's CPU
seconds), ``/__replay/recording`` (record mode: the recording, pickled).

The server runs in its own process (:class:`ReplayServer`), so its CPU never counts against the
client being measured.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import pickle
import resource
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3

CONTROL_PREFIX = "/__replay/"
MISS_TYPE = "ReplayMissException"
#: response headers kept from the upstream (the rest are hop-by-hop or per-response noise).
KEPT_HEADERS = ("content-type", "x-amzn-requestid")


@dataclass(frozen=True, slots=True)
class Reply:
    """One recorded response."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/x-amz-json-1.1"),)


#: request key -> reply
Recording = dict[str, Reply]


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


def _reason(status: int) -> str:
    return {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(
        status, "Status"
    )


def _encode(reply: Reply, *, close: bool) -> bytes:
    head = [f"HTTP/1.1 {reply.status} {_reason(reply.status)}"]
    head += [f"{k}: {v}" for k, v in reply.headers]
    head.append(f"Content-Length: {len(reply.body)}")
    if close:
        head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + reply.body


def _miss(target: str) -> Reply:
    body = json.dumps({"__type": MISS_TYPE, "message": f"no recorded response for {target}"})
    return Reply(400, body.encode())


class _Service:
    """The state of one running server: the recording, the counters, the upstream (if any)."""

    def __init__(self, recording: Recording, latency: float, upstream: str | None) -> None:
        self.recording = recording
        self.latency = latency
        self.upstream = upstream.rstrip("/") if upstream else None
        self.pool = urllib3.PoolManager(maxsize=32) if upstream else None
        self.by_target: Counter[str] = Counter()
        self.misses = 0

    def stats(self) -> dict[str, Any]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "requests": sum(self.by_target.values()),
            "by_target": dict(sorted(self.by_target.items())),
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

    async def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> Reply:
        target = headers.get("x-amz-target", "")
        self.by_target[target or f"{method} {path}"] += 1
        key = request_key(target, body)
        if self.upstream is not None:
            reply = await self._forward(method, path, headers, body)
            self.recording[key] = reply
            return reply
        reply = self.recording.get(key)
        if reply is None:
            self.misses += 1
            reply = _miss(target)
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
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            close = headers.get("connection", "").lower() == "close"
            if path.startswith(CONTROL_PREFIX):
                reply = service.control(path)
            else:
                reply = await service.answer(method, path, headers, body)
            writer.write(_encode(reply, close=close))
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def _main(service: _Service, ready: Any) -> None:
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(service, r, w), "127.0.0.1", 0, backlog=256
    )
    ready.send(server.sockets[0].getsockname()[1])
    ready.close()
    async with server:
        await server.serve_forever()


def _run(recording_file: str | None, latency: float, upstream: str | None, ready: Any) -> None:
    recording: Recording = {}
    if recording_file:
        recording = pickle.loads(Path(recording_file).read_bytes())
    asyncio.run(_main(_Service(recording, latency, upstream), ready))


class ReplayServer:
    """The replay server in a child process, on a free loopback port.

    ``recording_file``: a pickled :data:`Recording` to answer from; ``upstream``: record mode,
    forwarding to that URL. ``latency`` is in seconds.
    """

    def __init__(
        self,
        *,
        recording_file: Path | None = None,
        latency: float = 0.0,
        upstream: str | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_run,
            args=(str(recording_file) if recording_file else None, latency, upstream, child),
            daemon=True,
        )
        self._process.start()
        child.close()
        if not parent.poll(60):
            self._process.kill()
            raise RuntimeError("replay server did not start")
        self.port = int(parent.recv())
        self.url = f"http://127.0.0.1:{self.port}"
        self._http = urllib3.PoolManager(maxsize=1)

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
