"""The README's retention samples of Harbor and of a distribution registry, run against the fake
Harbor on loopback (checked against Harbor's API schema) and a real docker-registry: plans and
``regform lifecycle preview`` in each registry's words."""

from __future__ import annotations

import textwrap
from pathlib import Path

from credential_clients import client_env
from dist_images import Pusher
from dist_server import run_registry
from fake_harbor import PASSWORD, USER, running
from harbor_workspace import Workspace
from test_harbor_retention import BARE, RETENTION, _seed
from test_readme_samples import Scenario


def test_harbor_retention_sample(tmp_path: Path) -> None:
    with running() as harbor:
        workspace = Workspace(harbor, tmp_path)
        env = client_env(tmp_path, {"HARBOR_USER": USER, "HARBOR_PASSWORD": PASSWORD})
        scenario = Scenario(tmp_path, env, harbor.url)
        workspace.write_only(BARE)
        assert "Apply complete" in scenario.run("regform apply --auto-approve")
        _seed(workspace)
        workspace.write_only(RETENTION)

        scenario.check("harbor-retention")
    assert harbor.violations == []


DISTRIBUTION = """\
    version: 1
    registries:
      builds:
        provider: distribution
        url: ENDPOINT
        allow_http: true
        scope: ["apps/*"]
    lifecycle_policies:
      ci:
        - {description: newest release only, tag_prefixes: ["v"], keep_last: 1}
    repositories:
      - {name: apps/api, registry: builds, lifecycle: ci}
    """


def test_distribution_retention_sample(tmp_path: Path) -> None:
    with run_registry(tmp_path / "registry") as registry:
        pusher = Pusher(registry.url)
        for n, created in enumerate(("2026-01-01", "2026-02-01", "2026-03-01"), start=1):
            pusher.image("apps/api", f"v{n}", f"{created}T00:00:00Z")
        scenario = Scenario(tmp_path / "demo", client_env(tmp_path), registry.url)
        scenario.directory.mkdir()
        scenario.write("regform.yaml", textwrap.dedent(DISTRIBUTION))

        scenario.check("distribution-retention")
