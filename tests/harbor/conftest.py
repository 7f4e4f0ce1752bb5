"""Fixtures: the fake Harbor on loopback (schema-checked), configs pointed at it, and a runner of
the shared workflow (plan, apply, plan again)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_harbor import PASSWORD, USER, FakeHarbor, running
from harbor_workspace import Workspace
from swagger_check import spec


@pytest.fixture(scope="session", autouse=True)
def _schema_loaded() -> None:
    spec()  # load swagger.yaml once per session (a few seconds)


@pytest.fixture
def harbor(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHarbor]:
    monkeypatch.setenv("HARBOR_USER", USER)
    monkeypatch.setenv("HARBOR_PASSWORD", PASSWORD)
    with running() as fake:
        yield fake
    assert fake.violations == [], "the fake answered outside Harbor's schema"


@pytest.fixture
def workspace(harbor: FakeHarbor, tmp_path: Path) -> Workspace:
    return Workspace(harbor, tmp_path)
