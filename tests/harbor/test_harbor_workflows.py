"""The shared workflows on Harbor: drift, import (plans to zero), saved plans, guards, ensure,
proxy-cache projects."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import ANY

import pytest
import yaml
from harbor_state import Artifact
from harbor_workspace import Workspace
from typer.testing import CliRunner

from regform import apply_plan, build_providers, load_config, make_drift_report, make_plan
from regform.cli import app
from regform.errors import RegformError
from regform.plan import Action
from regform.providers import set_secret_destination

PROJECTS = """
defaults:
  registry: hb
  scan_on_push: true
  storage_quota: 5GiB
repositories:
  - name: team-a
    public: true
    retention:
      rules:
        - latest_pushed: 10
          tags: ["v*", "rc-*"]
    members:
      users: {alice: developer}
  - name: team-b
    prevent_vulnerable: critical
    image_tag_mutability: IMMUTABLE
"""


def _project(workspace: Workspace, name: str) -> dict[str, object]:
    return next(p for p in workspace.harbor.state.projects.values() if p["name"] == name)


def test_drift_names_what_changed_by_hand(workspace: Workspace) -> None:
    config = workspace.write(PROJECTS)
    workspace.apply(config)
    state = workspace.harbor.state
    team_a = _project(workspace, "team-a")
    team_a["metadata"]["public"] = "false"  # type: ignore[index]
    state.members.clear()
    state.immutable.clear()
    report = make_drift_report(config, build_providers(config))
    found = {(i.name, f.path, str(f.found)) for i in report.items for f in i.fields}
    assert ("team-a", "public", "False") in found
    assert ("team-a", "members", "{}") in found
    assert ("team-b", "immutable_rules", "[]") in found
    assert report.exit_code() == 2


def test_drift_shows_retention_and_quota_in_the_configs_words(workspace: Workspace) -> None:
    config = workspace.write(PROJECTS)
    workspace.apply(config)
    state = workspace.harbor.state
    (quota,) = (
        q for q in state.quotas.values() if q["ref"] == _project(workspace, "team-a")["project_id"]
    )
    quota["hard"]["storage"] = 2 * 1024**3  # 2GiB, set by hand
    (policy,) = state.retentions.values()
    policy["rules"][0]["params"]["latestPushedK"] = 3
    policy["trigger"]["settings"]["cron"] = "0 0 * * * *"
    cfg = str(workspace.path)

    text = CliRunner().invoke(app, ["drift", "-c", cfg])
    document = json.loads(CliRunner().invoke(app, ["drift", "-c", cfg, "--format", "json"]).stdout)

    assert text.exit_code == 2, text.output
    for line in (
        "5GiB -> 2GiB",
        '~ schedule: "daily" -> "hourly"',
        "~ rules[1].latest_pushed: 10 -> 3",
    ):
        assert line in text.stdout, text.stdout
    assert "5368709120" not in text.stdout and "latestPushedK" not in text.stdout
    shown = {
        (i["name"], f["path"]): f.get("display") for i in document["drift"] for f in i["fields"]
    }
    assert shown[("team-a", "storage_quota")] == ["5GiB -> 2GiB"]
    assert shown[("team-a", "lifecycle_policy")] == [
        '~ schedule: "daily" -> "hourly"',
        "~ rules[1].latest_pushed: 10 -> 3",
    ]


def test_a_project_deleted_by_hand_is_missing_then_recreated(workspace: Workspace) -> None:
    config = workspace.write(PROJECTS)
    workspace.apply(config)
    state = workspace.harbor.state
    pid = _project(workspace, "team-b")["project_id"]
    del state.projects[pid]  # type: ignore[arg-type]
    report = make_drift_report(config, build_providers(config))
    assert [(i.name, i.status.value) for i in report.items] == [("team-b", "missing")]
    plan = workspace.apply(config)
    assert [(c.action, c.name) for c in plan.changes] == [(Action.CREATE, "team-b")]
    assert not workspace.plan(config).changes


def test_import_writes_config_that_plans_to_zero(workspace: Workspace, tmp_path: Path) -> None:
    config = workspace.write(PROJECTS)
    workspace.apply(config)
    # changed by hand: nothing of it declared anywhere
    _project(workspace, "team-b")["metadata"]["reuse_sys_cve_allowlist"] = "false"  # type: ignore[index]
    out = tmp_path / "adopted"
    result = CliRunner().invoke(
        app, ["import", "--registry", "hb", "-c", str(workspace.path), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    written = yaml.safe_load((out / "regform.yaml").read_text())
    entries = {e.get("name") or tuple(e["names"]): e for e in written["repositories"]}
    assert entries["team-b"]["reuse_sys_cve_allowlist"] is False
    assert written["defaults"]["storage_quota"] == "5GiB"
    imported = load_config(out)
    assert not make_plan(imported, build_providers(imported)).changes


def test_saved_plan_is_refused_after_a_change_by_hand(workspace: Workspace) -> None:
    config = workspace.write(PROJECTS)
    workspace.apply(config)
    changed = workspace.write(PROJECTS.replace("alice: developer", "alice: maintainer"))
    saved = workspace.path / "plan.json"
    runner = CliRunner()
    planned = runner.invoke(app, ["plan", "-c", str(workspace.path), "--out", str(saved)])
    assert planned.exit_code == 0, planned.output
    _project(workspace, "team-a")["metadata"]["public"] = "false"  # type: ignore[index]
    applied = runner.invoke(app, ["apply", str(saved), "-c", str(workspace.path)])
    assert applied.exit_code == 1 and "changed since" in applied.output
    member = next(iter(next(iter(workspace.harbor.state.members.values())).values()))
    assert member["role_id"] == 2  # nothing applied: alice is still a developer
    assert workspace.plan(changed).changes


def test_deleting_a_project_needs_allow_destroy(workspace: Workspace) -> None:
    workspace.apply(workspace.write(PROJECTS))
    pruned = workspace.write(PROJECTS.split("  - name: team-b")[0], "    prune: true")
    providers = build_providers(pruned)
    plan = make_plan(pruned, providers)
    assert [(c.action, c.name) for c in plan.changes] == [(Action.DELETE, "team-b")]
    with pytest.raises(RegformError, match="--allow-destroy"):
        apply_plan(plan, providers)
    assert apply_plan(plan, providers, allow_destroy=True).succeeded
    assert {p["name"] for p in workspace.harbor.state.projects.values()} == {"team-a"}


PROXY = """
repositories:
  - name: hub
    registry: hb
    public: true
    proxy_cache: {endpoint: docker-hub}
"""


def test_proxy_cache_project_is_created_on_its_endpoint(workspace: Workspace) -> None:
    state = workspace.harbor.state
    state.op_createRegistry(
        {"registry": {"name": "docker-hub", "type": "docker-hub", "url": "https://hub.docker.com"}},
        None,  # type: ignore[arg-type]
        "",
    )
    (endpoint_id,) = state.registries
    config = workspace.write(PROXY)
    workspace.apply(config)
    assert _project(workspace, "hub")["registry_id"] == endpoint_id
    assert not workspace.plan(config).changes
    # the endpoint is fixed at creation: another one replaces the project
    state.op_createRegistry(
        {"registry": {"name": "quay", "type": "quay", "url": "https://quay.io"}},
        None,
        "",  # type: ignore[arg-type]
    )
    (change,) = workspace.plan(workspace.write(PROXY.replace("docker-hub", "quay"))).changes
    assert change.action is Action.REPLACE


def test_ensure_creates_a_project_from_a_pattern(workspace: Workspace) -> None:
    workspace.write(
        """
repositories:
  - pattern: "team-*"
    registry: hb
    storage_quota: 1GiB
"""
    )
    result = CliRunner().invoke(app, ["ensure", "-c", str(workspace.path), "team-new"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    assert _project(workspace, "team-new")["name"] == "team-new"


@pytest.fixture(autouse=True)
def _no_secret_destination() -> None:
    set_secret_destination(None, False)


def test_artifacts_count_as_images_on_delete(workspace: Workspace) -> None:
    workspace.apply(workspace.write(PROJECTS))
    workspace.harbor.state.push(
        "team-b", "api", Artifact("sha256:" + "c" * 64, ["v1"], "2026-01-01T00:00:00.000Z")
    )
    pruned = workspace.write(PROJECTS.split("  - name: team-b")[0], "    prune: true")
    providers = build_providers(pruned)
    plan = make_plan(pruned, providers)
    result = apply_plan(plan, providers, allow_destroy=True)
    ((_, error),) = result.failed
    assert "still holds repositories" in str(error)


def test_the_example_applies_and_replans_empty(workspace: Workspace, tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "harbor" / "regform.yaml"
    text = example.read_text().replace(
        "url: https://harbor.example.com", f"url: {workspace.harbor.url}\n    allow_http: true"
    )
    (workspace.path / "regform.yaml").write_text(text)
    workspace.harbor.state.op_createRegistry(
        {"registry": {"name": "docker-hub", "type": "docker-hub", "url": "https://hub.docker.com"}},
        None,  # type: ignore[arg-type]
        "",
    )
    runner = CliRunner()
    secrets = tmp_path / "robots.json"
    cfg = str(workspace.path)
    applied = runner.invoke(
        app, ["apply", "-c", cfg, "--auto-approve", "--secrets-file", str(secrets)]
    )
    assert applied.exit_code == 0, applied.output
    ((_, secret),) = workspace.harbor.state.issued
    assert secret not in applied.output  # only in the file
    assert json.loads(secrets.read_text())["harbor/team-a/ci"]["secret"] == secret
    replanned = runner.invoke(app, ["plan", "-c", cfg, "--detailed-exitcode"])
    assert replanned.exit_code == 0 and "No changes" in replanned.stdout


def test_a_saved_plan_applies_exactly(workspace: Workspace) -> None:
    workspace.write(PROJECTS)
    saved = workspace.path / "plan.json"
    runner = CliRunner()
    planned = runner.invoke(app, ["plan", "-c", str(workspace.path), "--out", str(saved)])
    assert planned.exit_code == 0, planned.output
    identity = json.loads(saved.read_text())["identities"]["hb"]
    assert identity == {"provider": "harbor", "account": "", "region": "", "endpoint": ANY}
    assert identity["endpoint"].startswith("http://127.0.0.1:")  # the Harbor the plan read
    applied = runner.invoke(app, ["apply", str(saved), "-c", str(workspace.path)])
    assert applied.exit_code == 0, applied.output
    assert {p["name"] for p in workspace.harbor.state.projects.values()} == {"team-a", "team-b"}
    assert not workspace.plan(load_config(workspace.path)).changes


def test_listing_follows_pages_of_at_most_100(workspace: Workspace) -> None:
    config = workspace.write(PROJECTS)
    state = workspace.harbor.state
    for i in range(130):
        state.op_createProject({"project": {"project_name": f"other-{i}"}}, None, "")  # type: ignore[arg-type]
    provider = build_providers(config)["hb"]
    assert len(provider.list_repositories()) == 130
    pages = [path for op, path, _ in workspace.harbor.requests if op == "listProjects"]
    assert len(pages) == 2 and all("page_size=100" in p for p in pages)


def test_drift_of_retention_rules_reads_from_declared_to_found() -> None:
    from regform.providers.harbor import rules
    from regform.providers.harbor.display import display_lines, drift_lines
    from regform.providers.harbor.words import words

    spec = {"retention": {"rules": [{"latest_pushed": 10, "tags": ["v*"]}]}}
    said, declared = words(spec, {})["lifecycle_policy"], rules.retention_policy(spec["retention"])
    assert declared is not None
    extra = rules.retention_rule({"always": True, "repositories": ["scratch/**"]})
    found = {"schedule": declared["schedule"], "rules": [extra]}

    drifted = drift_lines("lifecycle_policy", declared, found, said)
    planned = display_lines("lifecycle_policy", found, declared, said)

    assert drifted == (
        '- rules[1]: latest_pushed: 10, tags: ["v*"]',
        planned[1].replace("-", "+", 1),
    )
    assert planned[0] == '+ rules[1]: latest_pushed: 10, tags: ["v*"]'
    assert drifted[1] == '+ rule: always, repositories: "scratch/**"'
