"""moto's ECR emulator, in process, reached through a botocore session of its own.

The session names no profile, reads no config or credentials file and no environment variable,
signs with fixed fake credentials and routes every request to one emulated account: nothing of the
user's AWS configuration reaches it, and it reaches nothing else.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import botocore.session
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.credentials import Credentials

from regform.errors import ProviderError
from regform.providers.ecr.session import use_credentials

_FAKE_KEY = "regform-sandbox"

MISSING_EMULATOR = (
    "the sandbox needs the ECR emulator (moto): install it with `pip install 'regform[sandbox]'`"
)


def check_emulator_installed() -> None:
    """Fail early, and without importing it, when the emulator is not installed."""
    try:
        found = importlib.util.find_spec("moto") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ProviderError(MISSING_EMULATOR)


def start_emulator() -> Any:
    """moto's in-process request handler, enabled for the clients it is registered on only."""
    try:
        from moto.core.botocore_stubber import BotocoreStubber
    except ImportError as exc:
        raise ProviderError(MISSING_EMULATOR) from exc
    stubber = BotocoreStubber()
    stubber.enabled = True
    return stubber


class _Body:
    """The raw body of a response the sandbox answers itself (what botocore reads)."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._content


def response(url: str, status: int, body: Mapping[str, Any]) -> AWSResponse:
    content = json.dumps(body).encode()
    headers = HTTPHeaders()
    headers["Content-Type"] = "application/x-amz-json-1.1"
    headers["Content-Length"] = str(len(content))
    return AWSResponse(url, status, headers, _Body(content))


def isolated_session(
    region: str, account_id: str, send: Callable[..., Any]
) -> botocore.session.Session:
    # No environment variable names any setting: AWS_PROFILE, AWS_ENDPOINT_URL and friends
    # cannot reach the sandbox, and no config or credentials file is read.
    session_vars = {
        name: (None, None, value, None)
        for name, value in (
            ("profile", None),
            ("region", region),
            ("config_file", os.devnull),
            ("credentials_file", os.devnull),
            ("ignore_configured_endpoint_urls", True),
        )
    }
    session = botocore.session.Session(session_vars=session_vars)
    use_credentials(session, Credentials(_FAKE_KEY, _FAKE_KEY))
    session.register("before-send", send)

    def route_to_account(**kwargs: Any) -> None:
        kwargs["request"].headers["x-moto-account-id"] = account_id

    session.register("before-sign", route_to_account)
    return session


def operation_of(request: Any) -> str:
    target = request.headers.get("X-Amz-Target") or b""
    text = target.decode() if isinstance(target, bytes) else str(target)
    return text.rpartition(".")[2]


def params_of(request: Any) -> dict[str, Any]:
    body = request.body or b"{}"
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
