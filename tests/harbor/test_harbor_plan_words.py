"""Harbor plans speak the config's words: readable lifecycle rules as written, ``retention:``
rules in their keys, quotas in the declared unit -- never Harbor's JSON or bytes."""

from __future__ import annotations

from harbor_workspace import Workspace

from regform.render import render

LIFECYCLE = """
lifecycle_policies:
  releases:
    - description: keep the 20 newest releases
      tag_prefixes: [v]
      keep_last: 20
    - untagged: true
      older_than_days: 14
repositories:
  - name: team-a
    registry: hb
    storage_quota: {quota}
    lifecycle: releases
  - name: team-b
    registry: hb
    storage_quota: 500MB
    retention:
      schedule: "0 0 3 * * *"
      rules:
        - latest_pulled: 10
          tags: ["v*", "release-*"]
        - days_since_push: {days}
          repositories: ["nightly/**"]
"""


def _text(workspace: Workspace, **values: object) -> str:
    settings = {"quota": "50GiB", "days": 7, **values}
    return render(workspace.plan(workspace.write(LIFECYCLE.format(**settings))), "text")


def test_a_new_project_shows_its_rules_and_quota_as_declared(workspace: Workspace) -> None:
    text = _text(workspace)
    assert (
        "          + lifecycle_policy (releases):\n"
        '              + rules[1]: tag_prefixes: ["v"], keep_last: 20'
        "  # keep the 20 newest releases\n"
        "              + rules[2]: untagged, older_than_days: 14\n"
    ) in text
    assert (
        "          + lifecycle_policy:\n"
        '              + schedule: "0 0 3 * * *"\n'
        '              + rules[1]: latest_pulled: 10, tags: ["v*", "release-*"]\n'
        '              + rules[2]: days_since_push: 7, repositories: ["nightly/**"]\n'
    ) in text
    assert "+ storage_quota: 50GiB\n" in text and "+ storage_quota: 500MB\n" in text
    assert "template" not in text and "53687091200" not in text


def test_changes_read_as_the_config_wrote_them(workspace: Workspace) -> None:
    workspace.apply(workspace.write(LIFECYCLE.format(quota="50GiB", days=7)))
    changed = LIFECYCLE.format(quota="20GiB", days=14).replace("keep_last: 20", "keep_last: 10")
    text = render(workspace.plan(workspace.write(changed.replace("500MB", "1000MB"))), "text")
    assert (
        "          ~ lifecycle_policy (releases):\n"
        "              ~ rules[1].keep_last: 20 -> 10\n"
        "          ~ storage_quota: 50GiB -> 20GiB\n"
    ) in text
    assert (
        "          ~ lifecycle_policy:\n              ~ rules[2].days_since_push: 7 -> 14\n"
    ) in text
    assert "~ storage_quota: 500MB -> 1000MB\n" in text
    assert "value" not in text and "template" not in text


def test_a_rule_added_in_harbor_reads_in_retention_keys(workspace: Workspace) -> None:
    config = workspace.write(LIFECYCLE.format(quota="50GiB", days=7))
    workspace.apply(config)
    team_a = next(p for p in workspace.harbor.state.projects.values() if p["name"] == "team-a")
    policy = workspace.harbor.state.retentions[int(team_a["metadata"]["retention_id"])]
    policy["rules"].append(
        {
            "action": "retain",
            "template": "latestPushedK",
            "params": {"latestPushedK": 3},
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "pr-*"}],
            "scope_selectors": {
                "repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]
            },
            "disabled": False,
        }
    )
    text = render(workspace.plan(config), "text")
    assert '              - rule: latest_pushed: 3, tags: "pr-*"\n' in text
