"""What the replay server checks before it answers: strict HTTP/1.1 framing, the shape of the
SigV4 ``Authorization`` header, and the certificate it serves TLS with.

:func:`read_request` reads one request and raises :class:`BadRequest` for what a strict front end
(nginx, AWS's) refuses: a repeated header (two ``Content-Length`` above all), a header line
without a name or with whitespace before its colon, a folded header, a non-numeric length, a
``Transfer-Encoding`` (this server reads ``Content-Length`` bodies only, and both together are
request smuggling), a POST without a length, an HTTP/1.1 request without ``Host``.

:func:`sigv4_problem` checks the header as AWS's front end parses it, not the signature itself
(the recording is keyed without it): ``AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/
aws4_request, SignedHeaders=a;b;c, Signature=<64 lowercase hex>``, the service matching the
operation, the headers listed sorted, present, and including ``host`` and ``x-amz-date``, and an
``X-Amz-Date`` of the credential's day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path

MAX_HEAD = 64 * 1024
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<akid>[A-Za-z0-9]{4,128})/(?P<date>\d{8})/"
    r"(?P<region>[a-z]{2}(?:-[a-z0-9]+)+)/(?P<service>[a-z0-9-]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9-]+(?:;[a-z0-9-]+)*), Signature=[0-9a-f]{64}"
)
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
#: X-Amz-Target prefix -> the service its requests are signed for (no target: STS's query API)
_SERVICES = {"AmazonEC2ContainerRegistry_V20150921": "ecr", "TrentService": "kms", "": "sts"}

Request = tuple[str, str, dict[str, str], bytes]


class BadRequest(Exception):
    """The request is not well-formed HTTP/1.1 (answered 400, connection closed)."""


def _request_line(line: str) -> tuple[str, str, str]:
    parts = line.split(" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not parts[1].startswith("/"):
        raise BadRequest(f"malformed request line {line[:60]!r}")
    if parts[2] not in ("HTTP/1.1", "HTTP/1.0"):
        raise BadRequest(f"unsupported protocol {parts[2][:20]!r}")
    return parts[0], parts[1], parts[2]


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """Method, path and headers (lower-case names) of a request head ending in CRLF CRLF."""
    lines = head.decode("latin-1")[:-4].split("\r\n")
    method, path, version = _request_line(lines[0])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if "\n" in line or "\r" in line:
            raise BadRequest("bare CR or LF in the request head")
        if line[:1] in (" ", "\t"):
            raise BadRequest("folded header line")
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name):
            raise BadRequest(f"malformed header line {line[:40]!r}")
        key = name.lower()
        if key in headers:
            raise BadRequest(f"repeated header {name}")
        headers[key] = value.strip(" \t")
    if "transfer-encoding" in headers:
        raise BadRequest("Transfer-Encoding is not accepted (send Content-Length)")
    length = headers.get("content-length")
    if length is not None and not length.isdigit():
        raise BadRequest(f"malformed Content-Length {length[:20]!r}")
    if length is None and method in ("POST", "PUT"):
        raise BadRequest(f"{method} without Content-Length")
    if version == "HTTP/1.1" and not headers.get("host"):
        raise BadRequest("HTTP/1.1 request without Host")
    return method, path, headers


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a connection; None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError as exc:
        raise BadRequest(f"request head longer than {MAX_HEAD} bytes") from exc
    method, path, headers = parse_head(head)
    try:
        body = await reader.readexactly(int(headers.get("content-length") or 0))
    except asyncio.IncompleteReadError:
        return None
    return method, path, headers, body


def sigv4_problem(headers: Mapping[str, str], target: str) -> str | None:
    """What is wrong with the request's SigV4 headers (None: well-formed)."""
    auth = headers.get("authorization")
    if auth is None:
        return "missing Authorization header"
    found = _AUTH.fullmatch(auth)
    if found is None:
        return "Authorization is not AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=.."
    service = _SERVICES.get(target.partition(".")[0])
    if found["service"] != service:
        return f"credential scope names service {found['service']!r}, not {service!r}"
    signed = found["signed"].split(";")
    if signed != sorted(set(signed)):
        return "SignedHeaders are not sorted and unique"
    if "host" not in signed or "x-amz-date" not in signed:
        return "SignedHeaders must include host and x-amz-date"
    if any(name not in headers for name in signed):
        return "a signed header is missing from the request"
    date = headers.get("x-amz-date", "")
    if not _AMZ_DATE.fullmatch(date) or date[:8] != found["date"]:
        return "X-Amz-Date is missing, malformed or not the credential's date"
    return None


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A fresh self-signed certificate for 127.0.0.1 and localhost (also its own CA), and its
    key, written to ``directory``: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regform replay server")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "replay-cert.pem", directory / "replay-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file
