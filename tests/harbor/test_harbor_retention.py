"""Tag retention: Harbor's semantics (rules say what to retain), applied, previewed in the plan
and by ``regform lifecycle preview`` in Harbor's words (retention deletes artifacts), with
expectations worked out by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from harbor_state import Artifact
from harbor_workspace import Workspace
from typer.testing import CliRunner

from regform.cli import app
from regform.config import validate_paths
from regform.plan import Action

BARE = """
repositories:
  - name: team-a
    registry: hb
"""

RETENTION = """
repositories:
  - name: team-a
    registry: hb
    retention:
      schedule: daily
      rules:
        - latest_pushed: 2
          tags: ["v*"]
          untagged: false
        - days_since_push: 7
          repositories: [api]
"""


def _days_ago(days: float) -> str:
    when = datetime.now(UTC) - timedelta(days=days)
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _seed(workspace: Workspace) -> None:
    """api: v1 30 days old, v2 20, v3 5, pr-1 40, pr-2 3, untagged 15 and 1; web: v1 50."""
    push = workspace.harbor.state.push
    for digest, tags, age in [
        ("a1", ["v1"], 30),
        ("a2", ["v2"], 20),
        ("a3", ["v3"], 5),
        ("a4", ["pr-1"], 40),
        ("a5", ["pr-2"], 3),
        ("a6", [], 15),
        ("a7", [], 1),
    ]:
        push("team-a", "api", Artifact("sha256:" + digest * 32, tags, _days_ago(age)))
    push("team-a", "web", Artifact("sha256:" + "b1" * 32, ["v1"], _days_ago(50)))


# By hand: in api, rule 1 keeps the 2 newest v* (v3, v2) and rule 2 everything pushed in the last
# 7 days (v3, pr-2, the 1-day untagged one); v1, pr-1 and the 15-day untagged one go. In web only
# rule 1 applies (rule 2 selects api): it keeps its one v* artifact.
DELETED = {"sha256:" + d * 32 for d in ("a1", "a4", "a6")}


def test_retention_applies_and_replans_empty(workspace: Workspace) -> None:
    config = workspace.write(RETENTION)
    workspace.apply(config)
    state = workspace.harbor.state
    (policy,) = state.retentions.values()
    project = next(iter(state.projects.values()))
    assert project["metadata"]["retention_id"] == str(policy["id"])
    templates = sorted((r["template"], r["params"]) for r in policy["rules"])
    assert templates == [
        ("latestPushedK", {"latestPushedK": 2}),
        ("nDaysSinceLastPush", {"nDaysSinceLastPush": 7}),
    ]
    assert policy["trigger"]["settings"]["cron"] == "0 0 0 * * *"
    assert not workspace.plan(config).changes
    # a second apply after a change updates the one policy (PUT), never a second POST
    changed = workspace.write(RETENTION.replace("latest_pushed: 2", "latest_pushed: 3"))
    workspace.apply(changed)
    assert len(state.retentions) == 1 and workspace.harbor.calls("createRetention") == 1
    assert not workspace.plan(changed).changes


def test_plan_previews_what_retention_deletes(workspace: Workspace) -> None:
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    plan = workspace.plan(workspace.write(RETENTION))
    (change,) = plan.changes
    assert change.action is Action.UPDATE and change.preview is not None
    assert (change.preview.total, change.preview.expire, change.preview.keep) == (8, 3, 5)
    assert {s["digest"] for s in change.preview.sample} == DELETED


def test_lifecycle_preview_command_lists_every_artifact(workspace: Workspace) -> None:
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    workspace.write(RETENTION)
    result = CliRunner().invoke(
        app, ["lifecycle", "preview", "team-a", "-c", str(workspace.path), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    verdicts = {i["digest"]: i["verdict"] for i in report["images"]}
    assert {d for d, v in verdicts.items() if v == "expire"} == DELETED
    assert len(verdicts) == 8 and report["expire"] == 3


READABLE = """
lifecycle_policies:
  releases:
    - tag_prefixes: [v]
      keep_last: 1
    - untagged: true
      older_than_days: 10
repositories:
  - name: team-a
    registry: hb
    lifecycle: releases
"""


def test_readable_rules_map_to_retention_with_the_same_meaning(workspace: Workspace) -> None:
    """ECR semantics (expire what a rule selects, keep the rest) carried into Harbor's retain
    rules: the newest v* stays, untagged older than 10 days go, pr-* (no rule) all stay."""
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    config = workspace.write(READABLE)
    plan = workspace.plan(config)
    (change,) = plan.changes
    assert change.preview is not None
    expected = {"sha256:" + d * 32 for d in ("a1", "a2", "a6")}  # v1, v2 and untagged 15 days
    assert {s["digest"] for s in change.preview.sample} == expected
    workspace.apply(config)
    assert not workspace.plan(config).changes


def test_rules_that_do_not_map_are_refused_where_they_are_declared(workspace: Workspace) -> None:
    workspace.write_only(
        """
lifecycle_policies:
  overlapping:
    - tag_prefixes: [v]
      keep_last: 5
    - any: true
      older_than_days: 30
  archive:
    - tag_prefixes: [v]
      not_pulled_for_days: 30
      action: archive
repositories:
  - name: team-a
    registry: hb
    lifecycle: overlapping
  - name: team-b
    registry: hb
    lifecycle: archive
"""
    )
    issues = [str(i) for i in validate_paths(workspace.path)]
    assert any(
        "regform.yaml:24:" in i
        and "rule 2: it may select images rule 1 selects" in i
        and "regform.yaml:15" in i  # the rule itself
        for i in issues
    ), issues
    assert any("regform.yaml:27:" in i and "no archive tier" in i for i in issues), issues


def test_a_comma_list_is_refused_as_one_literal_pattern(workspace: Workspace) -> None:
    workspace.write_only(RETENTION.replace('tags: ["v*"]', 'tags: "v*,rc*"'))
    issues = [str(i) for i in validate_paths(workspace.path)]
    assert any("tags" in i and "one literal pattern" in i for i in issues), issues


#: the preview line of RETENTION over _seed: Harbor's retention deletes artifacts.
RETENTION_LINE = (
    "retention would delete 3 of 8 artifacts now and keep 5: pr-1, v1, sha256:a6a6a6a6a6a6"
)
#: the preview table of RETENTION over _seed in a markdown plan (``state``: changed, unchanged).
RETENTION_TABLE = (
    "**Retention preview** (what each policy would do to the artifacts there now)\n\n"
    "| Repository | Retention policy | Artifacts | Delete | Keep | Oldest affected |\n"
    "|---|---|---:|---:|---:|---|\n"
    "| `hb/team-a` | {state} | 8 | 3 | 5 | pr-1, v1, sha256:a6a6a6a6a6a6 |\n"
)


def test_plans_and_saved_plans_speak_of_retention_deleting_artifacts(
    workspace: Workspace,
) -> None:
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    workspace.write(RETENTION)
    runner, cfg, saved = CliRunner(), str(workspace.path), str(workspace.path / "plan.json")

    text = runner.invoke(app, ["plan", "-c", cfg, "--out", saved])
    markdown = runner.invoke(app, ["plan", "-c", cfg, "--format", "markdown"])
    shown = runner.invoke(app, ["show", saved])
    shown_md = runner.invoke(app, ["show", saved, "--format", "markdown"])
    document = json.loads(runner.invoke(app, ["show", saved, "--format", "json"]).stdout)

    assert text.exit_code == 0, text.output
    assert f"\n          # {RETENTION_LINE}\n" in text.stdout
    assert "lifecycle would" not in text.stdout and "expire" not in text.stdout
    assert RETENTION_TABLE.format(state="changed") in markdown.stdout
    assert f"\n# {RETENTION_LINE}\n" in markdown.stdout  # the change's own block
    assert shown.stdout == text.stdout  # the saved plan reads as it was made
    assert RETENTION_TABLE.format(state="changed") in shown_md.stdout
    (change,) = document["changes"]
    assert change["preview"]["words"] == {
        "policy": "retention",
        "remove": "delete",
        "item": "artifact",
        "items": "artifacts",
        "archive": None,
        "holder": "project",
    }
    assert (change["preview"]["expire"], document["format_version"]) == (3, "1.5")


def test_unchanged_retention_and_the_preview_command_say_delete(workspace: Workspace) -> None:
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    workspace.apply(workspace.write(RETENTION))
    runner, cfg = CliRunner(), str(workspace.path)

    plan = runner.invoke(app, ["plan", "-c", cfg, "--lifecycle-preview"])
    markdown = runner.invoke(app, ["plan", "-c", cfg, "--lifecycle-preview", "-f", "markdown"])
    command = runner.invoke(app, ["lifecycle", "preview", "team-a", "-c", cfg])
    registry = runner.invoke(
        app, ["lifecycle", "preview", "team-a", "-c", cfg, "--policy-from", "registry"]
    )

    assert plan.stdout.startswith(
        "Retention preview of unchanged policies (the registry applies them on its own):\n"
        f"  hb/team-a  {RETENTION_LINE}\n"
    ), plan.stdout
    assert RETENTION_TABLE.format(state="unchanged") in markdown.stdout
    heading, counts, _, header, *rows = command.stdout.splitlines()
    assert heading.startswith("hb/team-a: retention from the configuration, evaluated at ")
    assert counts == "8 artifacts: 3 to delete, 5 to keep"
    assert header.split()[-2:] == ["VERDICT", "RULE"]
    verdicts = {row.split()[0]: row.split()[-2] for row in rows}
    assert {d for d, v in verdicts.items() if v == "delete"} == {d[:19] for d in DELETED}
    assert set(verdicts.values()) == {"delete", "keep"}
    assert registry.stdout.startswith("hb/team-a: the retention policy in the registry now, ")
    assert registry.stdout.splitlines()[1] == "8 artifacts: 3 to delete, 5 to keep"


def test_a_new_project_previews_no_artifacts_in_harbors_words(workspace: Workspace) -> None:
    from regform.render import render

    plan = workspace.plan(workspace.write(RETENTION))
    (change,) = plan.changes
    assert change.action is Action.CREATE
    assert "# retention preview: 0 artifacts (new project)" in render(plan, "text")
