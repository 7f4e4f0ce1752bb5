"""From a regform.yaml to deleted manifests through the public workflow (config loader, provider
factory, reader, planner, renderers, applier, stale-plan check) against the real docker-registry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dist_images import Pusher
from dist_server import RegistryServer
from typer.testing import CliRunner

from regform.cli import app
from regform.config import load_config
from regform.errors import StalePlanError, UnsafePlanError
from regform.model import Config
from regform.plan import IMAGES
from regform.providers import build_providers
from regform.providers.base import Provider
from regform.render import render
from regform.render.drift import render_drift
from regform.render.lifecycle import render_text as render_lifecycle
from regform.workflows.drift import FailOn, make_drift_report
from regform.workflows.plan_apply import apply_plan, check_saved_plan, make_plan
from regform.workflows.preview import preview_repository

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def config(plain_registry: RegistryServer, repo: str, tmp_path: Path) -> Config:
    path = tmp_path / "regform.yaml"
    path.write_text(
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
    return load_config([path])


@pytest.fixture
def providers(config: Config) -> Iterator[dict[str, Provider]]:
    built = build_providers(config)
    yield built
    for provider in built.values():
        provider.close()  # type: ignore[attr-defined]


def test_declared_retention_is_planned_rendered_applied_and_converges(
    config: Config, providers: dict[str, Provider], pusher: Pusher, repo: str
) -> None:
    old = pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    new = pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")
    pusher.image(f"{repo}/tools", "v1", "2026-01-01T00:00:00Z")
    pusher.image(f"{repo}/tools", "v2", "2026-02-01T00:00:00Z")

    plan = make_plan(config, providers, now=NOW)

    # tools keeps everything (lifecycle: none); later has no images yet; nothing else changes
    assert [(c.kind, c.name) for c in plan.changes] == [(IMAGES, f"{repo}/api")]
    assert plan.changes[0].fields[0].before == [old.digest]
    text = render(plan, "text")
    assert f"- {old.digest}  v1  created 2026-01-01T00:00:00  (rule 1)" in text
    # regform's own retention deletes the images: said in its words, not ECR's
    assert "\n          # retention would delete 1 of 2 images now and keep 1: v1\n" in text
    assert "lifecycle would" not in text
    assert f"    ~ {repo}/api  1 image will be deleted\n" in text  # images, not the repository
    assert "Plan: 1 image to delete in 1 repository." in text
    assert plan.summary["delete"] == 0
    assert f"{repo}/api` (deletes 1 image)" in render(plan, "markdown")
    with pytest.raises(UnsafePlanError, match="--allow-destroy"):
        apply_plan(plan, providers)

    result = apply_plan(plan, providers, allow_destroy=True)

    assert result.ok
    assert pusher.served(f"{repo}/api", old.digest) == 404
    assert pusher.served(f"{repo}/api", new.digest) == 200
    assert not make_plan(config, build_providers(config), now=NOW).has_changes


def test_an_image_pushed_after_the_plan_makes_it_stale(
    config: Config, providers: dict[str, Provider], pusher: Pusher, repo: str
) -> None:
    pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")
    plan = make_plan(config, providers, now=NOW)
    check_saved_plan(plan, config, build_providers(config))

    pusher.image(f"{repo}/api", "v3", "2026-03-01T00:00:00Z")

    with pytest.raises(StalePlanError, match="local changed since the plan was made"):
        check_saved_plan(plan, config, build_providers(config))


def test_drift_names_images_pushed_after_the_apply_that_retention_would_delete(
    config: Config, providers: dict[str, Provider], pusher: Pusher, repo: str
) -> None:
    pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    v2 = pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")
    assert apply_plan(make_plan(config, providers, now=NOW), providers, allow_destroy=True).ok
    assert not make_drift_report(config, build_providers(config), now=NOW).items

    late = pusher.image(f"{repo}/api", "v3", "2026-03-01T00:00:00Z")
    report = make_drift_report(config, build_providers(config), now=NOW)

    assert report.exit_code(FailOn.DRIFT) == 2
    [item] = report.items
    assert (item.kind, item.name, item.definitions) == (IMAGES, f"{repo}/api", {IMAGES: "ci"})
    [found] = item.fields[0].found
    assert found.startswith(f"{v2.digest}  v2  created 2026-02-01")
    text = render_drift(report, "text")
    assert (
        f"  ~ {repo}/api  1 image the lifecycle 'ci' would delete (pushed since the last apply)\n"
        f"      {v2.digest}  v2  created 2026-02-01T00:00:00  (rule 1)\n\n"
    ) in text
    assert "declared -> found" not in text and "changed outside regform" not in text
    markdown = render_drift(report, "markdown")
    assert f"<code>~ local/{repo}/api</code> 1 image the lifecycle 'ci' would delete" in markdown
    assert f"{v2.digest}  v2  created 2026-02-01T00:00:00  (rule 1)" in markdown
    assert late.digest not in text  # the newest release is kept
    assert pusher.served(f"{repo}/api", late.digest) == 200  # drift never deletes


def test_lifecycle_preview_names_the_time_column_created(
    config: Config, providers: dict[str, Provider], pusher: Pusher, repo: str
) -> None:
    pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")

    report = preview_repository(config, providers["local"], "local", f"{repo}/api", now=NOW)

    header, *rows = render_lifecycle(report).splitlines()[3:]
    assert header.split() == ["DIGEST", "TAGS", "CREATED", "LAST", "PULLED", "VERDICT", "RULE"]
    assert "PUSHED" not in render_lifecycle(report)
    assert [r.split()[1:4] for r in rows] == [
        ["v2", "2026-02-01", "00:00:00"],
        ["v1", "2026-01-01", "00:00:00"],
    ]
    # regform's own retention: its words, no archive
    heading, counts = render_lifecycle(report).splitlines()[:2]
    assert heading.startswith(f'local/{repo}/api: retention "ci" from the configuration, ')
    assert counts == "2 images: 1 to delete, 1 to keep"
    verdicts = [re.split(r"\s{2,}", r)[4:] for r in rows]
    assert verdicts == [["keep", "1: newest release only"], ["delete", "1: newest release only"]]


def test_plans_and_saved_plans_speak_of_retention_deleting_images(
    config: Config, pusher: Pusher, repo: str, tmp_path: Path
) -> None:
    pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")
    runner, cfg, saved = CliRunner(), str(tmp_path / "regform.yaml"), str(tmp_path / "plan.json")

    text = runner.invoke(app, ["plan", "-c", cfg, "--out", saved])
    markdown = runner.invoke(app, ["plan", "-c", cfg, "--format", "markdown"])
    shown = runner.invoke(app, ["show", saved])
    shown_md = runner.invoke(app, ["show", saved, "--format", "markdown"])
    document = json.loads(runner.invoke(app, ["show", saved, "--format", "json"]).stdout)

    line = "# retention would delete 1 of 2 images now and keep 1: v1\n"
    assert text.exit_code == 0, text.output
    assert f"\n          {line}" in text.stdout
    assert shown.stdout == text.stdout  # the saved plan reads as it was made
    assert f"\n{line}```\n" in markdown.stdout and f"\n{line}```\n" in shown_md.stdout
    assert "lifecycle would" not in text.stdout + markdown.stdout
    (change,) = document["changes"]
    assert change["preview"]["words"] == {
        "policy": "retention",
        "remove": "delete",
        "item": "image",
        "items": "images",
        "archive": None,
        "holder": "repository",
    }


def test_apply_names_an_image_deletion_once_and_as_images_not_a_repository(
    config: Config, pusher: Pusher, repo: str, tmp_path: Path
) -> None:
    pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z")
    pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z")
    runner = CliRunner()
    cfg = str(tmp_path / "regform.yaml")

    refused = runner.invoke(app, ["apply", "-c", cfg, "--auto-approve"])

    assert refused.exit_code == 1
    assert refused.stderr.endswith(
        "Error: apply refused; it needs --allow-destroy:\n"
        f"  --allow-destroy: local/{repo}/api: 1 image will be deleted (lifecycle)\n"
    )
    applied = runner.invoke(app, ["apply", "-c", cfg, "--auto-approve", "--allow-destroy"])
    assert applied.exit_code == 0, applied.output
    assert f"local/{repo}/api: delete 1 image (lifecycle) succeeded\n" in applied.stderr
    assert "local:images/" not in applied.stderr
