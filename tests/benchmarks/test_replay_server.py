"""The replay server is strict, so a client bug cannot pass silently: malformed HTTP gets 400 and a
closed connection, an Authorization header that is not SigV4-shaped gets 400, and past its token
bucket an operation is answered with ECR's ThrottlingException. It serves HTTPS to a client that
trusts its certificate, and only to one."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, SSLError
from replay_server import Recording, ReplayServer, Reply, TokenBucket, request_key, save_recording

pytestmark = pytest.mark.server

TARGET = "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"
LISTING = b'{"repositories": []}'
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})


def _recording() -> Recording:
    return {request_key(TARGET, b"{}"): Reply(200, LISTING)}


@pytest.fixture(scope="module")
def recording_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_recording(_recording(), tmp_path_factory.mktemp("replay") / "r.pickle")


@pytest.fixture(scope="module")
def server(recording_file: Path) -> Iterator[ReplayServer]:
    with ReplayServer(recording_file=recording_file) as replay:
        yield replay


def _ecr(url: str, **kwargs: Any) -> Any:
    return boto3.client(
        "ecr",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


def _raw(port: int, request: bytes) -> bytes:
    """Send bytes as they are; everything the server answers until it closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _signed(url: str, body: bytes = b"{}") -> dict[str, str]:
    request = AWSRequest(
        method="POST",
        url=url + "/",
        data=body,
        headers={"X-Amz-Target": TARGET, "Content-Type": "application/x-amz-json-1.1"},
    )
    SigV4Auth(Credentials("testing", "testing"), "ecr", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _post(server: ReplayServer, headers: dict[str, str]) -> Any:
    return urllib3.request("POST", server.url + "/", body=b"{}", headers=headers, retries=False)


def test_a_well_formed_signed_request_is_answered_from_the_recording(
    server: ReplayServer,
) -> None:
    assert _ecr(server.url).describe_repositories()["repositories"] == []
    resp = _post(server, _signed(server.url))
    assert (resp.status, resp.data) == (200, LISTING)


@pytest.mark.parametrize(
    "extra",
    [
        b"Content-Length: 2\r\nContent-Length: 2\r\n",
        b"Content-Length: 2\r\ncontent-length: 2\r\n",
        b"Content-Length: two\r\n",
        b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n",
        b"Content-Length : 2\r\n",
        b"Content-Length: 2\r\n folded\r\n",
        b"",  # a POST without a length
    ],
    ids=["two-lengths", "two-lengths-cased", "not-a-number", "chunked", "space", "fold", "none"],
)
def test_malformed_http_is_refused_with_400_and_a_closed_connection(
    server: ReplayServer, extra: bytes
) -> None:
    before = server.stats()["rejected"].get("http", 0)
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: " + TARGET.encode() + b"\r\n"

    answer = _raw(server.port, head + extra + b"\r\n{}")

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in answer
    assert server.stats()["rejected"]["http"] == before + 1


def test_a_request_line_without_a_protocol_is_refused(server: ReplayServer) -> None:
    assert _raw(server.port, b"GET /\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 400 ")


def _mangle(headers: dict[str, str], what: str) -> dict[str, str]:
    auth = headers["Authorization"]
    changed = dict(headers)
    if what == "short-signature":
        changed["Authorization"] = auth[:-1]
    elif what == "other-service":
        changed["Authorization"] = auth.replace("/ecr/aws4_request", "/s3/aws4_request")
    elif what == "no-signed-headers":
        changed["Authorization"] = auth.replace("SignedHeaders=", "Headers=")
    elif what == "no-date":
        del changed["X-Amz-Date"]
    elif what == "other-date":
        changed["X-Amz-Date"] = "19990101T000000Z"
    elif what == "basic":
        changed["Authorization"] = "Basic dGVzdGluZzp0ZXN0aW5n"
    return changed


@pytest.mark.parametrize(
    "what",
    ["short-signature", "other-service", "no-signed-headers", "no-date", "other-date", "basic"],
)
def test_an_authorization_that_is_not_sigv4_shaped_is_refused(
    server: ReplayServer, what: str
) -> None:
    resp = _post(server, _mangle(_signed(server.url), what))

    assert resp.status == 400
    assert resp.json()["__type"] == "IncompleteSignatureException"


def test_a_request_without_authorization_is_refused(server: ReplayServer) -> None:
    headers = _signed(server.url)
    del headers["Authorization"]
    resp = _post(server, headers)
    assert (resp.status, resp.json()["__type"]) == (403, "MissingAuthenticationTokenException")


def test_the_token_bucket_admits_its_burst_then_refuses() -> None:
    bucket = TokenBucket(rate=1.0, burst=10)
    assert [bucket.take() for _ in range(11)] == [True] * 10 + [False]


def test_past_its_rate_an_operation_is_throttled_as_ecr_throttles(recording_file: Path) -> None:
    with ReplayServer(recording_file=recording_file, rate=2.0, burst=3) as replay:
        ecr = _ecr(replay.url, config=NO_RETRIES)
        outcomes = []
        for _ in range(6):
            try:
                ecr.describe_repositories()
                outcomes.append("ok")
            except ClientError as exc:
                error = exc.response["Error"]["Code"], exc.response["ResponseMetadata"]
                outcomes.append(f"{error[0]} {error[1]['HTTPStatusCode']}")
        time.sleep(1.0)  # two tokens come back
        again = ecr.describe_repositories()["repositories"]
        stats = replay.stats()

    assert outcomes[:3] == ["ok"] * 3
    assert outcomes[-2:] == ["ThrottlingException 400"] * 2
    assert again == []
    assert sum(stats["throttled"].values()) == outcomes.count("ThrottlingException 400")


def test_over_tls_only_a_client_trusting_its_certificate_is_answered(
    recording_file: Path,
) -> None:
    with ReplayServer(recording_file=recording_file, tls=True) as replay:
        assert replay.url.startswith("https://127.0.0.1:")
        assert replay.ca_file is not None
        trusting = _ecr(replay.url, verify=str(replay.ca_file), config=NO_RETRIES)
        assert trusting.describe_repositories()["repositories"] == []
        with pytest.raises(SSLError):
            _ecr(replay.url, verify=True, config=NO_RETRIES).describe_repositories()
