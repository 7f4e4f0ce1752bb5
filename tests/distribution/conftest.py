"""Fixtures: the real docker-registry server on loopback, and providers pointed at it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dist_auth import ALL, BASIC_PASSWORD, BASIC_USER, TOKEN_PASSWORDS, TokenServer, htpasswd_line
from dist_images import Pusher
from dist_server import RegistryServer, provider_for, run_registry

from regform.providers.distribution.provider import DistributionProvider


@pytest.fixture(scope="session")
def plain_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A registry without authentication (deletion enabled), shared by the session."""
    with run_registry(tmp_path_factory.mktemp("registry-plain")) as server:
        yield server


@pytest.fixture(scope="session")
def pusher(plain_registry: RegistryServer) -> Pusher:
    return Pusher(plain_registry.url)


@pytest.fixture
def provider(plain_registry: RegistryServer) -> DistributionProvider:
    """A fresh provider (no caches, zero call counts) for the shared registry."""
    return provider_for(plain_registry.url)


@pytest.fixture
def repo(request: pytest.FixtureRequest) -> str:
    """A repository name of this test's own (the shared registry keeps every test's images)."""
    words = re.findall(r"[a-z0-9]+", request.node.name.lower())
    return "t/" + "-".join(words)[:60].strip("-")


@pytest.fixture(scope="module")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    """A registry with HTTP basic authentication (htpasswd), holding team/app:v1."""
    root = tmp_path_factory.mktemp("registry-basic")
    htpasswd = root / "htpasswd"
    htpasswd.write_text(htpasswd_line(BASIC_USER, BASIC_PASSWORD) + "\n")
    auth = {"htpasswd": {"realm": "regform-test", "path": str(htpasswd)}}
    with run_registry(root, auth=auth) as server:
        Pusher(server.url, basic=(BASIC_USER, BASIC_PASSWORD)).image(
            "team/app", "v1", "2026-01-01T00:00:00Z"
        )
        yield server


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenServer]:
    """A token server: admin may do anything, reader may pull."""
    server = TokenServer(
        issuer="regform-test-issuer",
        service="regform-test-registry",
        users={
            "admin": (TOKEN_PASSWORDS["admin"], ALL),
            "reader": (TOKEN_PASSWORDS["reader"], frozenset({"*", "pull"})),
        },
    )
    server.write_bundle(tmp_path_factory.mktemp("token-signer") / "bundle.pem")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token_registry(
    tokens: TokenServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryServer]:
    """A registry trusting ``tokens`` (the token flow)."""
    with run_registry(tmp_path_factory.mktemp("registry-token"), auth=tokens.registry_auth()) as s:
        yield s


@pytest.fixture(scope="module")
def token_pusher(token_registry: RegistryServer, tokens: TokenServer) -> Pusher:
    return Pusher(
        token_registry.url, auth=lambda scope: {"Authorization": "Bearer " + tokens.mint((scope,))}
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.server)
