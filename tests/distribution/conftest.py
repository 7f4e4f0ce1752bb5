"""Fixtures: the real docker-registry server on loopback, and providers pointed at it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.server)
