"""Projects with metadata and quotas: plan, apply, and a plan right after that is empty."""

from __future__ import annotations

from harbor_workspace import Workspace

from regform.plan import Action

PROJECTS = """
defaults:
  registry: hb
  scan_on_push: true
repositories:
  - name: team-a
    public: true
    prevent_vulnerable: high
    reuse_sys_cve_allowlist: false
    storage_quota: 10GiB
  - names: [team-b, team-c]
    storage_quota: unlimited
"""


def test_plan_apply_replan_is_empty(workspace: Workspace) -> None:
    config = workspace.write(PROJECTS)
    plan = workspace.apply(config)
    assert [(c.action, c.name) for c in plan.changes] == [
        (Action.CREATE, "team-a"),
        (Action.CREATE, "team-b"),
        (Action.CREATE, "team-c"),
    ]
    state = workspace.harbor.state
    team_a = next(p for p in state.projects.values() if p["name"] == "team-a")
    assert team_a["metadata"] == {
        "public": "true",
        "auto_scan": "true",
        "prevent_vul": "true",
        "severity": "high",
        "reuse_sys_cve_allowlist": "false",
    }
    quota = next(q for q in state.quotas.values() if q["ref"] == team_a["project_id"])
    assert quota["hard"] == {"storage": 10 * 1024**3}
    assert not workspace.plan(config).changes


def test_changed_metadata_and_quota_update_in_place(workspace: Workspace) -> None:
    workspace.apply(workspace.write(PROJECTS))
    changed = workspace.write(
        PROJECTS.replace("public: true", "public: false").replace("10GiB", "20GiB")
    )
    plan = workspace.plan(changed)
    assert [(c.action, c.name, [f.path for f in c.fields]) for c in plan.changes] == [
        (Action.UPDATE, "team-a", ["public", "storage_quota"])
    ]
    workspace.apply(changed)
    assert not workspace.plan(changed).changes
    assert workspace.harbor.calls("updateQuota") == 1


def test_writes_send_no_cookie(workspace: Workspace) -> None:
    """Harbor sets a session cookie on every answer; sending it back fails writes (CSRF)."""
    workspace.apply(workspace.write(PROJECTS))
    assert all("cookie" not in headers for _, _, headers in workspace.harbor.requests)
