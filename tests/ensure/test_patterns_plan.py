"""Pattern entries (``pattern: "apps/*"``) in plan and validate: existing repositories that
match are managed with the pattern's settings, never created, never pruned as undeclared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from emulator_config import write_config
from typer.testing import CliRunner

from regform.cli import app
from regform.config import load_config, validate_paths
from regform.plan import Action
from regform.providers import build_providers
from regform.workflows.plan_apply import make_plan

BODY = """
repositories:
  - name: team-a/api
  - pattern: "apps/*"
    image_tag_mutability: IMMUTABLE
    tags: {team: apps}
    cache: true
  - pattern: "apps/legacy-*"
    image_tag_mutability: MUTABLE
"""
REGISTRY = """
scope: ["apps/*", "team-a/*"]
prune: true
"""


@pytest.mark.server
def test_matches_are_managed_never_created_or_pruned(
    tmp_path: Path, moto_reset: str, raw_ecr: Any
) -> None:
    for name in ("apps/web", "apps/web/cache", "apps/legacy-ui", "team-a/old", "billing/x"):
        raw_ecr.create_repository(repositoryName=name)
    config = str(write_config(tmp_path, moto_reset, BODY, REGISTRY))
    cfg = load_config([config])

    plan = make_plan(cfg, build_providers(cfg))
    actions = {c.name: c.action for c in plan.changes}
    assert actions == {
        "team-a/api": Action.CREATE,  # declared by name
        "apps/web": Action.UPDATE,
        "apps/web/cache": Action.UPDATE,  # cache: true covers the companions of matches
        "apps/legacy-ui": Action.UPDATE,  # the first matching pattern applies
        "team-a/old": Action.DELETE,  # undeclared in scope, prune on
    }
    legacy = next(c for c in plan.changes if c.name == "apps/legacy-ui")
    assert [f.path for f in legacy.fields] == ["image_tag_mutability", "tags"]
    assert (
        "prod/apps/legacy-ui matches several pattern entries (apps/*, apps/legacy-*); "
        "the first applies" in plan.warnings
    )
    assert [(u.name, u.in_scope) for u in plan.unmanaged] == [("billing/x", False)]

    runner = CliRunner()
    applied = runner.invoke(app, ["apply", "-c", config, "--auto-approve", "--allow-destroy"])
    assert applied.exit_code == 0, applied.output
    names = {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}
    assert names == {"apps/web", "apps/web/cache", "apps/legacy-ui", "team-a/api", "billing/x"}
    web = raw_ecr.describe_repositories(repositoryNames=["apps/web/cache"])["repositories"][0]
    assert web["imageTagMutability"] == "IMMUTABLE"

    clean = runner.invoke(app, ["plan", "-c", config, "--detailed-exitcode"])
    assert clean.exit_code == 0, clean.output

    targeted = runner.invoke(app, ["plan", "-c", config, "--target", "apps/*"])
    assert "No changes." in targeted.stdout


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{pattern: 'apps/web'}", "pattern 'apps/web' has no wildcard (* ? [...])"),
        ("{pattern: 'Apps/*'}", "pattern 'Apps/*' has uppercase letters"),
        ("{pattern: 'billing/*'}", "pattern 'billing/*' matches no name inside the scope"),
        ("{pattern: 'apps/*', name: apps/x}", "set only one of name, names, pattern"),
        ("{pattern: 'apps/*', lifecycle: nope}", "unknown lifecycle policy 'nope'"),
    ],
)
def test_invalid_pattern_entries(tmp_path: Path, entry: str, message: str) -> None:
    path = write_config(
        tmp_path, "http://127.0.0.1:1", f"repositories:\n  - {entry}\n", "scope: ['apps/*']"
    )
    found = [str(i) for i in validate_paths([path])]
    assert len(found) == 1 and message in found[0], found


def test_a_pattern_declared_twice_names_both_places(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "http://127.0.0.1:1",
        "repositories:\n  - pattern: 'apps/*'\n  - pattern: 'apps/*'\n    scan_on_push: true\n",
    )
    (issue,) = validate_paths([path])
    assert f"pattern 'apps/*' (registry 'prod') is declared twice: {path}:8 and {path}:9" in str(
        issue
    )


def test_validate_counts_patterns(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:1", BODY)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert result.stdout.strip() == "OK: 1 registry, 1 repository, 2 patterns (1 file)"
