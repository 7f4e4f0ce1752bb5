"""From a regform.yaml to deleted manifests: the config loader, the provider factory, enforcement
and the plan renderers, against the real docker-registry."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dist_images import Pusher
from dist_server import RegistryServer

from regform.config import load_config
from regform.enforce import enforced_repositories, enforcement_changes
from regform.plan import Plan
from regform.providers import build_provider
from regform.providers.distribution import DistributionProvider
from regform.render import render

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_declared_retention_is_planned_rendered_and_applied(
    plain_registry: RegistryServer, pusher: Pusher, repo: str, tmp_path: Path
) -> None:
    config_file = tmp_path / "regform.yaml"
    config_file.write_text(
        f"""
version: 1
registries:
  local:
    provider: distribution
    url: {plain_registry.url}
    allow_http: true
    scope: ["{repo}/*"]
lifecycle_policies:
  ci:
    - {{description: newest release only, tag_prefixes: ["v"], keep_last: 1}}
repositories:
  - {{name: {repo}/api, registry: local, lifecycle: ci}}
  - {{name: {repo}/tools, registry: local, lifecycle: none}}
  - {{name: {repo}/later, registry: local, lifecycle: ci}}
"""
    )
    old = pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    new = pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")
    pusher.image(f"{repo}/tools", "v1", "2026-01-01T00:00:00Z")
    pusher.image(f"{repo}/tools", "v2", "2026-02-01T00:00:00Z")
    reg = load_config([config_file]).registries["local"]
    provider = build_provider(reg)
    assert isinstance(provider, DistributionProvider)

    names = enforced_repositories(reg.repositories, provider.list_repositories())
    changes = enforcement_changes(reg.name, reg.repositories, provider.list_images_many(names), NOW)

    assert names == [f"{repo}/api"]  # tools keeps everything; later has no images yet
    assert [(c.name, c.fields[0].before) for c in changes] == [(f"{repo}/api", [old.digest])]
    text = render(Plan(changes=tuple(changes), registries={"local": "distribution"}), "text")
    assert f"- {old.digest}  v1  pushed 2026-01-01T00:00:00  (rule 1)" in text
    assert "lifecycle would expire 1 of 2 images now: v1" in text
    markdown = render(
        Plan(changes=tuple(changes), registries={"local": "distribution"}), "markdown"
    )
    assert old.digest in markdown

    for change in changes:
        provider.apply(change)

    assert pusher.served(f"{repo}/api", old.digest) == 404
    assert pusher.served(f"{repo}/api", new.digest) == 200
    again = build_provider(reg)
    assert enforcement_changes(reg.name, reg.repositories, again.list_images_many(names), NOW) == []
