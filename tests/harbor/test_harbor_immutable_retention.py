"""Retention never deletes an immutable artifact: plans and ``regform lifecycle preview`` keep
what the project's immutable-tag rules protect, with the reason (api-facts.md "Deletion";
goharbor/harbor ``src/pkg/retention/policy/action/performer/performer.go`` @ 289786854c21 and
``src/pkg/immutable/match/rule/match.go``). Expectations worked out by hand over the artifacts
of ``test_harbor_retention._seed``: the policy ``RETENTION`` deletes v1 (a1), pr-1 (a4) and the
15-day-old untagged a6."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from harbor_workspace import Workspace
from test_harbor_retention import BARE, RETENTION, _seed
from typer.testing import CliRunner

from regform.cli import app
from regform.providers.harbor import rules
from regform.providers.harbor.retention import HarborArtifact, explain, immutable, in_effect

V_IMMUTABLE = """
    immutable_tags:
      - tags: ["v*"]
"""
PR_IMMUTABLE = """
    immutable_tags:
      - tags: ["pr-*"]
"""
A1, A4, A6 = ("sha256:" + d * 32 for d in ("a1", "a4", "a6"))


def _cli(workspace: Workspace, *args: str) -> str:
    config = [] if args[0] == "show" else ["-c", str(workspace.path)]
    result = CliRunner().invoke(app, [*args, *config])
    assert result.exit_code == 0, result.output
    return result.stdout


def _rows(output: str) -> dict[str, str]:
    """Short digest -> its row of a ``lifecycle preview`` table."""
    return {line.split()[0]: line for line in output.splitlines() if line.startswith("sha256:")}


def test_plan_keeps_artifacts_the_declared_immutable_rules_protect(workspace: Workspace) -> None:
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    # retention and immutability change in one plan: the rules in effect after apply decide
    workspace.write(RETENTION + V_IMMUTABLE)
    saved = str(workspace.path / "plan.json")

    text = _cli(workspace, "plan", "--out", saved)
    document = json.loads(_cli(workspace, "show", saved, "--format", "json"))
    markdown = _cli(workspace, "plan", "--format", "markdown")

    line = (
        "# retention would delete 2 of 8 artifacts now and keep 6 (1 immutable): "
        "pr-1, sha256:a6a6a6a6a6a6"
    )
    assert f"\n          {line}\n" in text, text
    (change,) = document["changes"]
    assert change["preview"]["kept_because"] == {"immutable": 1}
    assert {s["digest"] for s in change["preview"]["sample"]} == {A4, A6}
    assert "| `hb/team-a` | changed | 8 | 2 | 6 (1 immutable) | pr-1, sha256:a6a6a6a6a6a6 |" in (
        markdown
    )
    # the saved plan applies: a fresh plan previews the same
    assert "Apply complete" in _cli(workspace, "apply", saved)


def test_rules_harbor_holds_protect_when_the_config_does_not_manage_them(
    workspace: Workspace,
) -> None:
    workspace.apply(workspace.write(BARE + V_IMMUTABLE))
    _seed(workspace)
    workspace.write(RETENTION)  # immutable_tags not declared: Harbor keeps its rule

    text = _cli(workspace, "plan")
    rows = _rows(_cli(workspace, "lifecycle", "preview", "team-a"))

    assert "retention would delete 2 of 8 artifacts now and keep 6 (1 immutable): pr-1," in text
    assert rows[A1[:19]].split()[-3:] == ["keep", "(immutable)", "-"]
    assert rows[A4[:19]].split()[-2:] == ["delete", "-"]


def test_declared_rules_replace_harbors_and_the_registry_preview_uses_harbors(
    workspace: Workspace,
) -> None:
    workspace.apply(workspace.write(BARE + V_IMMUTABLE))
    _seed(workspace)
    workspace.apply(workspace.write(RETENTION))  # Harbor now holds the policy and the v* rule
    workspace.write(RETENTION + PR_IMMUTABLE)  # the config makes pr-* immutable instead

    declared = _cli(workspace, "lifecycle", "preview", "team-a")
    held = _cli(workspace, "lifecycle", "preview", "team-a", "--policy-from", "registry")
    as_json = json.loads(_cli(workspace, "lifecycle", "preview", "team-a", "--format", "json"))
    plan = _cli(workspace, "plan")

    assert declared.splitlines()[1] == "8 artifacts: 2 to delete, 6 to keep (1 immutable)"
    assert "keep (immutable)" in _rows(declared)[A4[:19]]
    assert "delete" in _rows(declared)[A1[:19]]
    assert held.splitlines()[1] == "8 artifacts: 2 to delete, 6 to keep (1 immutable)"
    assert "keep (immutable)" in _rows(held)[A1[:19]]
    assert "delete" in _rows(held)[A4[:19]]
    verdicts = {i["digest"]: (i["verdict"], i.get("kept_because")) for i in as_json["images"]}
    assert verdicts[A4] == ("keep", "immutable") and verdicts[A1] == ("expire", None)
    assert as_json["kept_because"] == {"immutable": 1}
    # the policy is unchanged, the rules change: the plan previews with pr-* (v1 goes)
    line = "# retention would delete 2 of 8 artifacts now and keep 6 (1 immutable): v1, sha256:a6"
    assert f"\n          {line}" in plan, plan


def test_a_rule_on_another_repository_protects_nothing_here(workspace: Workspace) -> None:
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    workspace.write(
        RETENTION
        + """
    immutable_tags:
      - tags: ["v*"]
        repositories: [web]
"""
    )
    assert "retention would delete 3 of 8 artifacts now and keep 5: pr-1," in _cli(
        workspace, "plan"
    )


def _artifact(*tags: str, repository: str = "api") -> HarborArtifact:
    return HarborArtifact(
        digest="sha256:" + "c" * 64,
        tags=tags,
        pushed_at=datetime(2026, 1, 1, tzinfo=UTC),
        repository=repository,
    )


def test_the_matcher_reads_selectors_as_harbor_does() -> None:
    only_v = [rules.immutable_rule({"tags": ["v*"]})]
    but_latest = [rules.immutable_rule({"exclude_tags": ["latest"]})]
    everything = rules.mutability_rules("IMMUTABLE", ())
    # one protected tag keeps the whole artifact, all its tags
    assert immutable(only_v, _artifact("pr-3", "v1"))
    assert not immutable(only_v, _artifact("pr-3", "latest"))
    # excludes: any tag outside the pattern; an untagged artifact is selected (untagged false)
    assert immutable(but_latest, _artifact("latest", "x"))
    assert not immutable(but_latest, _artifact("latest"))
    assert immutable(but_latest, _artifact())
    # matches never selects an untagged artifact
    assert not immutable(everything, _artifact())
    assert immutable(everything, _artifact("anything"))
    # disabled rules and rules of other repositories protect nothing
    disabled = [{**only_v[0], "disabled": True}]
    assert not immutable(disabled, _artifact("v1"))
    elsewhere = [rules.immutable_rule({"tags": ["v*"], "exclude_repositories": ["api"]})]
    assert not immutable(elsewhere, _artifact("v1"))
    assert immutable(elsewhere, _artifact("v1", repository="web"))
    # a malformed pattern is a matcher error: not immutable
    assert not immutable([rules.immutable_rule({"tags": ["v["]})], _artifact("v1"))


def test_only_what_retention_deletes_is_marked_immutable() -> None:
    policy = rules.retention_policy({"rules": [{"latest_pushed": 1, "tags": ["v*"]}]})
    assert policy is not None
    kept, gone = (
        _artifact("v2"),
        HarborArtifact(
            digest="sha256:" + "d" * 64,
            tags=("v1",),
            pushed_at=datetime(2025, 1, 1, tzinfo=UTC),
            repository="api",
        ),
    )
    facts = {"immutable_rules": rules.mutability_rules("IMMUTABLE", ())}
    decisions = {d.image.digest: d for d in explain(in_effect(policy, facts), [kept, gone], NOW)}
    assert (decisions[kept.digest].action, decisions[kept.digest].kept_because) == ("keep", None)
    assert decisions[kept.digest].rule_priority == 1
    assert (decisions[gone.digest].action, decisions[gone.digest].kept_because) == (
        "keep",
        "immutable",
    )
    assert explain(in_effect(policy, {}), [kept, gone], NOW)[1].action == "expire"


NOW = datetime(2026, 6, 1, tzinfo=UTC)
