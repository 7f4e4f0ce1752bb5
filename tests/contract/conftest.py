"""Every provider behind one fixture: the in-memory provider, ECR on moto's server, and the
distribution provider on a real docker-registry. The contract tests run against each."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "distribution"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "harbor"))

from dist_images import Pusher  # noqa: E402
from dist_server import RegistryServer, provider_config, run_registry  # noqa: E402
from fake_harbor import PASSWORD, USER, running  # noqa: E402
from harbor_state import Artifact  # noqa: E402

from regform import model as m  # noqa: E402
from regform.model import Capabilities, Image, RegistryConfig, Repository  # noqa: E402
from regform.providers import build_provider  # noqa: E402
from regform.providers.base import Provider  # noqa: E402
from regform.providers.harbor.rules import from_lifecycle  # noqa: E402
from regform.providers.memory import MemoryProvider  # noqa: E402

#: a memory registry shaped like a distribution registry: regform enforces its lifecycle.
ENFORCED = Capabilities(
    fields=frozenset({m.LIFECYCLE_POLICY}),
    can_create=False,
    can_delete=False,
    native_lifecycle=False,
)


@dataclass
class Harness:
    """One provider under test, and a way to write to its registry behind regform's back."""

    kind: str
    provider: Provider
    registry: RegistryConfig
    #: seed(repository, tag, pushed): push one image (creating the repository); returns its digest
    #: (ECR records the push time itself, so ``pushed`` only holds elsewhere).
    seed: Callable[[str, str, datetime], str]
    prefix: str = "c"
    #: between the prefix and a test's own part (Harbor project names have no "/")
    separator: str = "/"
    #: the registry's own lifecycle document for an ECR-style one (what the config builds from
    #: readable rules; Harbor's is a retention policy)
    lifecycle: Callable[[dict[str, Any]], Any] = lambda doc: doc

    def name(self, short: str) -> str:
        """A repository name of this test's own (a shared registry keeps every test's images)."""
        return f"{self.prefix}{self.separator}{short}"


def _memory(caps: Capabilities, label: str) -> Harness:
    provider = MemoryProvider("local", caps)
    images: dict[str, list[Image]] = {}

    def seed(repo: str, tag: str, pushed: datetime) -> str:
        digest = "sha256:" + sha256(f"{repo}:{tag}".encode()).hexdigest()
        images.setdefault(repo, []).append(Image(digest, (tag,), pushed))
        provider.add_repository(Repository(repo), images[repo])
        return digest

    registry = RegistryConfig(name="local", provider="memory", connection={})
    return Harness(label, provider, registry, seed)


def _ecr(registry: RegistryConfig, raw_ecr: Any) -> Harness:
    def seed(repo: str, tag: str, pushed: datetime) -> str:
        with contextlib.suppress(raw_ecr.exceptions.RepositoryAlreadyExistsException):
            raw_ecr.create_repository(repositoryName=repo)
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + sha256(tag.encode()).hexdigest(), "size": 1},
            "layers": [],
        }
        resp = raw_ecr.put_image(
            repositoryName=repo, imageManifest=json.dumps(manifest), imageTag=tag
        )
        return str(resp["image"]["imageId"]["imageDigest"])

    return Harness("ecr", build_provider(registry), registry, seed)


def _distribution(server: RegistryServer, test_name: str) -> Harness:
    registry = provider_config(server.url)
    pusher = Pusher(server.url)

    def seed(repo: str, tag: str, pushed: datetime) -> str:
        return pusher.image(repo, tag, pushed.isoformat().replace("+00:00", "Z")).digest

    words = re.findall(r"[a-z0-9]+", test_name.lower())
    prefix = "c/" + "-".join(words)[:60].strip("-")
    return Harness("distribution", build_provider(registry), registry, seed, prefix=prefix)


def _harbor_harness(fake: Any) -> Harness:
    """The Harbor provider on the fake Harbor: a repository here is a Harbor project, and a
    seeded image goes into its repository ``app``."""
    connection = {
        "url": fake.url,
        "allow_http": True,
        "username_env": "HARBOR_USER",
        "password_env": "HARBOR_PASSWORD",
    }
    registry = RegistryConfig(name="hb", provider="harbor", connection=connection)
    state = fake.state

    def seed(project: str, tag: str, pushed: datetime) -> str:
        if not any(p["name"] == project for p in state.projects.values()):
            state.op_createProject({"project": {"project_name": project}}, None, "")
        digest = "sha256:" + sha256(f"{project}:{tag}".encode()).hexdigest()
        when = pushed.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        state.push(project, "app", Artifact(digest, [tag], when))
        return digest

    return Harness(
        "harbor", build_provider(registry), registry, seed, separator="-", lifecycle=from_lifecycle
    )


@pytest.fixture(scope="session")
def contract_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with run_registry(tmp_path_factory.mktemp("registry-contract")) as server:
        yield server


@pytest.fixture(params=["memory", "memory-enforced", "ecr", "distribution", "harbor"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    kind = request.param
    if kind == "harbor":
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("HARBOR_USER", USER)
        monkeypatch.setenv("HARBOR_PASSWORD", PASSWORD)
        with running() as fake:
            built = _harbor_harness(fake)
            with built.provider:
                yield built
            assert fake.violations == []
        return
    if kind == "memory":
        built = _memory(MemoryProvider("x").capabilities, "memory")
    elif kind == "memory-enforced":
        built = _memory(ENFORCED, "memory-enforced")
    elif kind == "ecr":
        ecr_registry = request.getfixturevalue("ecr_registry")
        built = _ecr(ecr_registry("main"), request.getfixturevalue("raw_ecr"))
    else:
        server = request.getfixturevalue("contract_registry")
        built = _distribution(server, request.node.name)
    with built.provider:
        yield built


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("harness") in ("ecr", "distribution"):
            item.add_marker(pytest.mark.server)


NOW = datetime(2026, 6, 1, tzinfo=UTC)
