"""Test-side security material: a private CA with a server certificate, htpasswd lines, and a small
token server issuing the JWTs docker-registry's ``auth.token`` verifies (RS256, ``x5c`` chain)."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import bcrypt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

# Certificates -------------------------------------------------------------------------------


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def self_signed(cn: str, *, ca: bool = True) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def make_tls(directory: Path) -> TlsFiles:
    """A private CA and a certificate it signed for 127.0.0.1 (and localhost)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = self_signed("regform test CA")
    key = _key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_cert.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.server_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.server_key.write_bytes(_pem_key(key))
    return files


# Accounts ------------------------------------------------------------------------------------

#: the one account of the htpasswd (basic auth) registry.
BASIC_USER, BASIC_PASSWORD = "ci-bot", "basic-pw-51c0de"
#: the token server's accounts: admin may do anything, reader only pull.
TOKEN_PASSWORDS = {"admin": "admin-pw-3f9a1c", "reader": "reader-pw-77be02"}


# htpasswd -----------------------------------------------------------------------------------


def htpasswd_line(user: str, password: str) -> str:
    """A bcrypt htpasswd line (the only format docker-registry accepts)."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return f"{user}:{hashed}"


# Token server -------------------------------------------------------------------------------


#: every action a token can grant.
ALL = frozenset({"*", "pull", "push", "delete"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class TokenRequest:
    account: str | None
    scopes: tuple[str, ...]
    at: float


@dataclass
class TokenServer:
    """Issues registry tokens at ``realm``. ``users`` maps name -> (password, actions allowed)."""

    issuer: str
    service: str
    users: dict[str, tuple[str, frozenset[str]]]
    lifetime: int = 300
    cert_path: Path | None = None
    requests: list[TokenRequest] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key, self._cert = self_signed("regform test token signer", ca=False)
        self._x5c = base64.b64encode(self._cert.public_bytes(serialization.Encoding.DER)).decode()
        self._server: ThreadingHTTPServer | None = None

    def write_bundle(self, path: Path) -> Path:
        path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))
        self.cert_path = path
        return path

    @property
    def realm(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def mint(
        self, scopes: tuple[str, ...], allowed: frozenset[str] = ALL, account: str = ""
    ) -> str:
        """A signed token granting the ``allowed`` actions of ``scopes``."""
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            granted = [a for a in actions.split(",") if a in allowed]
            access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": account,
            "aud": self.service,
            "exp": now + self.lifetime,
            "nbf": now - 5,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self._x5c]}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        token = f"{signing_input}.{_b64(signature)}"
        self.tokens.append(token)
        return token

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                account = server._authenticate(self.headers.get("Authorization"))
                scopes = tuple(query.get("scope", []))
                server.requests.append(TokenRequest(account, scopes, time.monotonic()))
                if account is False:
                    self.send_response(401)
                    self.end_headers()
                    return
                allowed = server.users[account][1] if account else frozenset()
                token = server.mint(scopes, allowed, account)
                body = json.dumps(
                    {"token": token, "access_token": token, "expires_in": server.lifetime}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _authenticate(self, header: str | None) -> Any:
        """The account name, "" for anonymous (nothing allowed), False for bad credentials."""
        if not header:
            return ""
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        user, _, password = base64.b64decode(value).decode().partition(":")
        known = self.users.get(user)
        return user if known and known[0] == password else False

    def registry_auth(self) -> dict[str, Any]:
        """The ``auth`` section of a docker-registry config trusting this server."""
        assert self.cert_path is not None
        return {
            "token": {
                "realm": self.realm,
                "service": self.service,
                "issuer": self.issuer,
                "rootcertbundle": str(self.cert_path),
            }
        }
