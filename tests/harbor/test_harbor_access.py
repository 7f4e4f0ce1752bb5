"""Immutable-tag rules, members and robot accounts: converge, re-plan empty, secrets shown once."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from harbor_workspace import Workspace
from typer.testing import CliRunner

from regform import apply_plan, build_providers, make_plan
from regform.cli import app
from regform.errors import ProviderError, UnsafePlanError
from regform.plan import Action
from regform.providers import set_secret_destination

ACCESS = """
repositories:
  - name: team-a
    registry: hb
    image_tag_mutability: IMMUTABLE_WITH_EXCLUSION
    image_tag_mutability_exclusions: [latest, "dev-*"]
    members:
      users: {alice: maintainer, bob: developer}
      groups: {platform: projectAdmin}
    robots:
      ci:
        description: pushes from CI
        access: [repository:pull, repository:push]
  - name: team-b
    registry: hb
    immutable_tags:
      - tags: ["v*"]
        exclude_repositories: ["scratch/**"]
"""


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / "out" / "robots.json"
    path.parent.mkdir()
    set_secret_destination(path, False)
    yield path
    set_secret_destination(None, False)


def test_access_lists_apply_and_replan_empty(workspace: Workspace, secrets_file: Path) -> None:
    config = workspace.write(ACCESS)
    workspace.apply(config)
    state = workspace.harbor.state
    ids = {p["name"]: p["project_id"] for p in state.projects.values()}
    (rule,) = state.immutable[ids["team-a"]].values()
    assert rule["tag_selectors"][0]["decoration"] == "excludes"
    assert rule["tag_selectors"][0]["pattern"] == "{dev-*,latest}"  # braces, never "a,b"
    (rule_b,) = state.immutable[ids["team-b"]].values()
    assert rule_b["scope_selectors"]["repository"][0]["decoration"] == "repoExcludes"
    members = {
        (m["entity_name"], m["entity_type"], m["role_id"])
        for m in state.members[ids["team-a"]].values()
    }
    assert members == {("alice", "u", 4), ("bob", "u", 2), ("platform", "g", 1)}
    assert not workspace.plan(config).changes


def test_members_and_rules_converge(workspace: Workspace, secrets_file: Path) -> None:
    workspace.apply(workspace.write(ACCESS))
    changed = workspace.write(
        ACCESS.replace("alice: maintainer, bob: developer", "alice: guest").replace(
            '[latest, "dev-*"]', "[latest]"
        )
    )
    plan = workspace.plan(changed)
    assert [sorted(f.path for f in c.fields) for c in plan.changes] == [
        ["immutable_rules", "members"]
    ]
    workspace.apply(changed)
    assert not workspace.plan(changed).changes
    harbor = workspace.harbor
    assert (harbor.calls("updateProjectMember"), harbor.calls("deleteProjectMember")) == (1, 1)


def test_robot_secret_is_written_once_to_the_named_file(
    workspace: Workspace, secrets_file: Path
) -> None:
    config = workspace.write(ACCESS)
    workspace.apply(config)
    ((stored, secret),) = workspace.harbor.state.issued
    assert stored == "robot$team-a+ci"
    saved = json.loads(secrets_file.read_text())
    assert saved["hb/team-a/ci"]["secret"] == secret
    assert stat.S_IMODE(os.stat(secrets_file).st_mode) == 0o600
    # re-planning and re-applying never rotates it
    assert not workspace.plan(config).changes
    described = workspace.write(ACCESS.replace("pushes from CI", "CI pushes"))
    (change,) = workspace.plan(described).changes
    assert any("its secret is kept" in line for f in change.fields for line in f.diff)
    workspace.apply(described)
    assert len(workspace.harbor.state.issued) == 1 and workspace.harbor.calls("UpdateRobot") == 1


def test_robot_deleted_by_hand_is_recreated_with_a_new_secret(
    workspace: Workspace, secrets_file: Path
) -> None:
    config = workspace.write(ACCESS)
    workspace.apply(config)
    state = workspace.harbor.state
    state.robots.clear()  # deleted in the UI
    plan = workspace.plan(config)
    (change,) = plan.changes
    (robots,) = [f for f in change.fields if f.path == "robots"]
    assert robots.diff[0].startswith("+ ci:") and "a new secret" in robots.diff[0]
    assert [g.flag for g in plan.guards] == ["--secrets-file"]  # re-created: a new secret
    workspace.apply(config)
    assert len(state.issued) == 2
    assert json.loads(secrets_file.read_text())["hb/team-a/ci"]["secret"] == state.issued[1][1]


def test_without_a_destination_nothing_is_written(workspace: Workspace) -> None:
    set_secret_destination(None, False)
    config = workspace.write(ACCESS)
    providers = build_providers(config)
    plan = make_plan(config, providers)
    (guard,) = plan.guards
    assert (guard.flag, guard.message) == (
        "--secrets-file",
        "hb/team-a: robots.ci will be created with a secret shown only once "
        "(--show-secrets prints it instead)",
    )
    with pytest.raises(UnsafePlanError, match="it needs --secrets-file"):
        apply_plan(plan, providers)
    assert workspace.harbor.writes == []  # not even team-b, which has no robot
    assert workspace.harbor.state.projects == {}


GUARD_LINE = (
    "apply needs --secrets-file: hb/team-a: robots.ci will be created with a secret shown "
    "only once (--show-secrets prints it instead)"
)


def test_apply_without_a_destination_refuses_before_any_write(workspace: Workspace) -> None:
    workspace.write(ACCESS)
    result = CliRunner().invoke(app, ["apply", "-c", str(workspace.path), "--auto-approve"])
    assert result.exit_code == 1
    assert GUARD_LINE in result.stdout  # the plan shown says it
    assert "apply refused; it needs --secrets-file:" in result.output
    assert workspace.harbor.writes == []


def test_a_saved_plan_creating_a_robot_needs_a_destination_at_apply(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.write(ACCESS)
    saved = tmp_path / "plan.json"
    plan = CliRunner().invoke(app, ["plan", "-c", str(workspace.path), "--out", str(saved)])
    assert plan.exit_code == 0, plan.output
    assert GUARD_LINE in plan.stdout  # reviewers see it
    markdown = CliRunner().invoke(app, ["show", str(saved), "--format", "markdown"])
    assert "apply needs `--secrets-file`: hb/team-a: robots.ci" in markdown.stdout
    refused = CliRunner().invoke(app, ["apply", str(saved)])
    assert refused.exit_code == 1
    assert "apply refused; it needs --secrets-file:" in refused.output
    assert workspace.harbor.writes == []
    secrets = tmp_path / "robots.json"
    done = CliRunner().invoke(app, ["apply", str(saved), "--secrets-file", str(secrets)])
    set_secret_destination(None, False)
    assert done.exit_code == 0, done.output
    assert "hb/team-a/ci" in json.loads(secrets.read_text())


def _refused_before_any_write(workspace: Workspace, destination: Path) -> str:
    """Apply ACCESS with secrets going to ``destination``: refused before anything is written
    to Harbor (no project, no robot); the error message."""
    config = workspace.write(ACCESS)
    providers = build_providers(config)
    plan = make_plan(config, providers)
    set_secret_destination(destination, False)
    try:
        with pytest.raises(ProviderError) as refused:
            apply_plan(plan, providers)
    finally:
        set_secret_destination(None, False)
    assert workspace.harbor.writes == []
    assert workspace.harbor.state.issued == [] and workspace.harbor.state.projects == {}
    return str(refused.value)


def test_a_symlinked_secrets_file_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    link = tmp_path / "robots.json"
    link.symlink_to(target)
    assert "symlink" in _refused_before_any_write(workspace, link)
    assert target.read_text() == "{}"


def test_a_secrets_file_that_is_a_fifo_is_refused_without_blocking(
    workspace: Workspace, tmp_path: Path
) -> None:
    fifo = tmp_path / "robots.json"
    os.mkfifo(fifo)
    assert f"secrets file {fifo}: is a FIFO" in _refused_before_any_write(workspace, fifo)


def test_a_secrets_file_under_a_file_is_refused(workspace: Workspace, tmp_path: Path) -> None:
    parent = tmp_path / "robots"
    parent.write_text("not a directory")
    message = _refused_before_any_write(workspace, parent / "robots.json")
    assert message.endswith(f"{parent} is not a directory")
    assert parent.read_text() == "not a directory"


def test_show_secrets_prints_the_new_secret(workspace: Workspace) -> None:
    workspace.write(ACCESS)
    result = CliRunner().invoke(
        app, ["apply", "-c", str(workspace.path), "--auto-approve", "--show-secrets"]
    )
    set_secret_destination(None, False)
    assert result.exit_code == 0, result.output
    ((_, secret),) = workspace.harbor.state.issued
    assert f"secret of hb/team-a/ci (robot$team-a+ci): {secret}" in result.stdout
    plan = CliRunner().invoke(app, ["plan", "-c", str(workspace.path)])
    assert "No changes" in plan.stdout and secret not in plan.stdout
    assert Action.CREATE.value not in plan.stdout


def test_a_secrets_file_in_a_missing_directory_is_refused_before_any_write(
    workspace: Workspace, tmp_path: Path
) -> None:
    missing = tmp_path / "secrets" / "harbor-robots.json"
    message = _refused_before_any_write(workspace, missing)
    assert message.endswith(
        f"secrets file {missing}: directory {missing.parent} does not exist (create it first)"
    )
    # the command line: exit 1 with that one line, and still nothing written
    result = CliRunner().invoke(
        app,
        ["apply", "-c", str(workspace.path), "--auto-approve", "--secrets-file", str(missing)],
    )
    set_secret_destination(None, False)
    assert result.exit_code == 1, result.output
    assert f"directory {missing.parent} does not exist (create it first)" in result.output
    assert workspace.harbor.writes == [] and workspace.harbor.state.projects == {}
    # once the directory exists, the same apply creates everything and keeps the secret
    missing.parent.mkdir()
    config = workspace.write(ACCESS)
    providers = build_providers(config)
    set_secret_destination(missing, False)
    try:
        assert apply_plan(make_plan(config, providers), providers).ok
    finally:
        set_secret_destination(None, False)
    assert (
        json.loads(missing.read_text())["hb/team-a/ci"]["secret"]
        == (workspace.harbor.state.issued[0][1])
    )
