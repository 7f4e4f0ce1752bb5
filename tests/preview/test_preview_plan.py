"""Lifecycle previews in the plan, against moto's ECR server over HTTP: which repositories are
read (DescribeImages), what the previews count and name, in the text, markdown and JSON plans."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ecr_images import push_image
from emulator_config import config_for
from preview_env import (
    BY_AGE,
    BY_COUNT,
    fail_image_reads,
    put_policy,
    record_image_reads,
    watched_providers,
)

from regform.model import Config
from regform.plan import Action, Plan
from regform.render import render
from regform.workflows.plan_apply import make_plan

pytestmark = pytest.mark.server

REPOSITORIES = """
repositories:
  - name: api          # exists without a policy: the policy is added (changes)
    lifecycle: pr-builds
  - name: web          # exists with the same policy (unchanged)
    lifecycle: pr-builds
  - name: tools        # exists, lifecycle not managed: never previewed
    scan_on_push: false
  - name: new-svc      # created with a policy: nothing to read
    lifecycle: pr-builds
"""
PR_TAGS = {f"pr-{i}" for i in range(5)}
#: far enough ahead that every image moto pushed now is older than 30 days.
LATER = datetime.now(UTC) + timedelta(days=60)


def seed(raw_ecr: Any, config: Config) -> None:
    """api: pr-0..pr-4 and one release (v1.0 + latest); web: pr-0..pr-2 under the declared
    policy already; tools and legacy (undeclared, with a policy): one image each."""
    for name in ("api", "web", "tools", "legacy"):
        raw_ecr.create_repository(repositoryName=name)
    for i, layer in enumerate("abcde"):
        push_image(raw_ecr, "api", f"pr-{i}", layer)
    push_image(raw_ecr, "api", "v1.0", "f")
    push_image(raw_ecr, "api", "latest", "f")
    for i, layer in enumerate("123"):
        push_image(raw_ecr, "web", f"pr-{i}", layer)
    push_image(raw_ecr, "tools", "pr-0", "7")
    push_image(raw_ecr, "legacy", "pr-0", "8")
    declared = config.registries["prod"].repositories["web"].lifecycle_policy
    assert declared is not None
    put_policy(raw_ecr, "web", declared)
    put_policy(raw_ecr, "legacy", declared)


def plan_with(config: Config, **options: Any) -> tuple[Plan, list[str]]:
    """The plan, and the repositories DescribeImages was sent for."""
    with watched_providers(config) as (providers, clients):
        reads = record_image_reads(clients["prod"].ecr)
        plan = make_plan(config, providers, **options)
    return plan, reads


def change(plan: Plan, name: str) -> Any:
    return next(c for c in plan.changes if c.name == name)


def counts(preview: Any) -> tuple[int, int, int, int]:
    return (preview.total, preview.expire, preview.transition, preview.keep)


def test_by_default_only_policies_that_change_are_previewed_in_every_format(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    config = config_for(tmp_path, moto_reset, BY_AGE + REPOSITORIES)
    seed(raw_ecr, config)

    plan, reads = plan_with(config, now=LATER)

    assert reads == ["api"]
    assert plan.api_calls["DescribeImages"] == 1
    assert [(c.name, c.action) for c in plan.changes] == [
        ("new-svc", Action.CREATE),
        ("api", Action.UPDATE),
    ]
    api = change(plan, "api").preview
    assert counts(api) == (6, 5, 0, 1)
    assert {s["tags"][0] for s in api.sample} == PR_TAGS
    assert {(s["action"], s["rule_priority"]) for s in api.sample} == {("expire", 1)}
    assert counts(change(plan, "new-svc").preview) == (0, 0, 0, 0)
    assert plan.lifecycle_previews == ()

    text = render(plan, "text")
    line = re.search(
        r"# lifecycle would expire 5 of 6 images now and keep 1: "
        r"(pr-\d), (pr-\d), (pr-\d) \(\+2 more\)\n",
        text,
    )
    assert line is not None, text
    assert len(set(line.groups())) == 3 and set(line.groups()) <= PR_TAGS
    assert "# lifecycle preview: 0 images (new repository)" in text

    markdown = render(plan, "markdown")
    assert "| `prod/new-svc` | new (`pr-builds`) | 0 | 0 | 0 | 0 |  |" in markdown
    row = next(r for r in markdown.splitlines() if r.startswith("| `prod/api` |"))
    assert row.startswith("| `prod/api` | changed (`pr-builds`) | 6 | 5 | 0 | 1 | pr-")
    assert row.endswith(" (+2 more) |")
    assert "prod/web" not in markdown

    data = json.loads(render(plan, "json"))
    by_name = {c["name"]: c["preview"] for c in data["changes"]}
    assert {k: by_name["api"][k] for k in ("total", "expire", "transition", "keep")} == {
        "total": 6,
        "expire": 5,
        "transition": 0,
        "keep": 1,
    }
    assert {s["tags"][0] for s in by_name["api"]["sample"]} == PR_TAGS
    assert by_name["new-svc"]["total"] == 0
    assert data["lifecycle_previews"] == []
    assert Plan.from_dict(data) == plan


def test_lifecycle_preview_also_covers_unchanged_managed_policies(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    config = config_for(tmp_path, moto_reset, BY_COUNT + REPOSITORIES)
    seed(raw_ecr, config)

    plan, reads = plan_with(config, lifecycle_preview=True)

    assert sorted(reads) == ["api", "web"]  # never tools (not managed) nor legacy (undeclared)
    assert plan.api_calls["DescribeImages"] == 2
    assert counts(change(plan, "api").preview) == (6, 3, 0, 3)
    (web,) = plan.lifecycle_previews
    assert (web.address, web.lifecycle_name) == ("prod/web", "pr-builds")
    assert counts(web.preview) == (3, 1, 0, 2)
    (gone,) = web.preview.sample
    assert gone["tags"][0] in {"pr-0", "pr-1", "pr-2"} and gone["action"] == "expire"

    text = render(plan, "text")
    assert "Lifecycle preview of unchanged policies (the registry applies them on its own):" in text
    assert (
        f"  prod/web (pr-builds)  lifecycle would expire 1 of 3 images now and keep 2: "
        f"{gone['tags'][0]}\n" in text
    )
    markdown = render(plan, "markdown")
    assert (
        f"| `prod/web` | unchanged (`pr-builds`) | 3 | 1 | 0 | 2 | {gone['tags'][0]} |" in markdown
    )
    data = json.loads(render(plan, "json"))
    assert [(p["address"], p["preview"]["expire"]) for p in data["lifecycle_previews"]] == [
        ("prod/web", 1)
    ]
    assert Plan.from_dict(data) == plan


def test_no_lifecycle_preview_reads_no_images(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    config = config_for(tmp_path, moto_reset, BY_COUNT + REPOSITORIES)
    seed(raw_ecr, config)

    plan, reads = plan_with(config, lifecycle_preview=False)

    assert reads == []
    assert "DescribeImages" not in plan.api_calls
    assert [c.preview for c in plan.changes] == [None, None]
    assert plan.lifecycle_previews == ()
    assert "lifecycle would" not in render(plan, "text")
    assert "Lifecycle preview" not in render(plan, "markdown")


def test_an_image_read_that_fails_is_a_warning_not_a_failed_plan(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    config = config_for(tmp_path, moto_reset, BY_COUNT + REPOSITORIES)
    seed(raw_ecr, config)

    with watched_providers(config) as (providers, clients):
        fail_image_reads(clients["prod"].ecr, "web")
        plan = make_plan(config, providers, lifecycle_preview=True)

    assert counts(change(plan, "api").preview) == (6, 3, 0, 3)
    assert plan.lifecycle_previews == ()
    (warning,) = plan.warnings
    assert warning.startswith("prod/web: lifecycle preview unavailable: ")
    assert "AccessDeniedException: not allowed here" in warning
    assert f"Warning: {warning}" in render(plan, "text")
    assert f"- :warning: {warning}" in render(plan, "markdown")
