"""regform login when AWS says no: a role that cannot be assumed, credentials that expired.

moto accepts every role and never expires a token, so the loopback fault server in front of it
answers those operations with AWS's own error documents (STS in XML, ECR in JSON); everything
else is moto's answer. Either way login is one line naming the registry and what AWS said, and
the auth file is not touched, not even for the registries that did log in.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from credential_clients import client_env, helper, regform
from ecr_config import HOST, write_ecr_config
from fault_server import Fault, FaultServer

pytestmark = pytest.mark.server

ROLE = "arn:aws:iam::123456789012:role/ci-push"
HUB = (
    "  hub:\n    provider: dockerhub\n"
    "    credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}\n"
)
DENIED = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    "<Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/ci is not authorized "
    f"to perform: sts:AssumeRole on resource: {ROLE}</Message></Error>"
    "<RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"
).encode()
EXPIRED = Fault(
    400,
    {
        "__type": "ExpiredTokenException",
        "message": "The security token included in the request is expired",
    },
)


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    try:
        yield server
    finally:
        server.close()


def login(tmp_path: Path) -> tuple[int, str, str, Path]:
    auth_file = tmp_path / "auth.json"
    auth_file.write_text('{"auths": {}}\n')
    env = client_env(tmp_path, {"HUB_USER": "octocat", "HUB_TOKEN": "dckr_pat_secret_value"})
    done = regform("login", "--auth-file", str(auth_file), env=env, cwd=tmp_path)
    return done.returncode, done.stdout, done.stderr, auth_file


def test_a_role_that_cannot_be_assumed(proxy: FaultServer, tmp_path: Path) -> None:
    write_ecr_config(tmp_path, proxy.url, extra="", registry=f", role_arn: '{ROLE}'")
    (tmp_path / "regform.yaml").write_text((tmp_path / "regform.yaml").read_text() + HUB)
    proxy.fail("AssumeRole", Fault(403, raw=DENIED, headers={"Content-Type": "text/xml"}))

    code, out, err, auth_file = login(tmp_path)

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "Error: registry prod: AssumeRole failed: AccessDenied: User: "
        "arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole on "
        f"resource: {ROLE}"
    ]
    assert auth_file.read_text() == '{"auths": {}}\n'  # hub's entry was not written either
    assert proxy.script.seen["GetAuthorizationToken"] == 0


def test_expired_credentials(proxy: FaultServer, tmp_path: Path) -> None:
    write_ecr_config(tmp_path, proxy.url)
    (tmp_path / "regform.yaml").write_text((tmp_path / "regform.yaml").read_text() + HUB)
    proxy.fail("GetAuthorizationToken", EXPIRED)

    code, out, err, auth_file = login(tmp_path)

    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "Error: registry prod: GetAuthorizationToken failed: ExpiredTokenException: "
        "The security token included in the request is expired"
    ]
    assert auth_file.read_text() == '{"auths": {}}\n'
    assert "dckr_pat_secret_value" not in out + err


def test_the_credential_helper_says_why_and_caches_nothing(
    proxy: FaultServer, tmp_path: Path
) -> None:
    write_ecr_config(tmp_path, proxy.url)
    proxy.fail("GetAuthorizationToken", EXPIRED)
    env = client_env(tmp_path)

    done = helper("get", f"{HOST}\n", env=env, cwd=tmp_path)

    assert done.returncode == 1
    assert done.stdout == (  # the protocol: a helper's error goes to stdout
        "regform: registry prod: GetAuthorizationToken failed: ExpiredTokenException: "
        "The security token included in the request is expired\n"
    )
    assert not list((tmp_path / "cache").rglob("*.json"))  # nothing cached
    again = helper("get", f"{HOST}\n", env=env, cwd=tmp_path)  # the fault was answered once
    assert again.returncode == 0, again.stdout + again.stderr
