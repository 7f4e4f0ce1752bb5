"""Harbor's retention as its source has it (tests/harbor/api-facts.md "Retention evaluation",
each fact with the goharbor/harbor file and commit it was read in): what ``regform lifecycle
preview`` and the plan tell a user, on the fake Harbor, with expectations worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from harbor_state import Artifact
from harbor_workspace import Workspace
from typer.testing import CliRunner

from regform.cli import app
from regform.config import validate_paths
from regform.providers.harbor.doublestar import BadPattern, match

BARE = """
repositories:
  - name: team-a
    registry: hb
"""


def _days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _digest(name: str) -> str:
    return "sha256:" + name * (64 // len(name))


def _seed(workspace: Workspace, repo: str, artifacts: list[tuple[str, list[str], float]]) -> None:
    for name, tags, age in artifacts:
        artifact = Artifact(_digest(name), tags, _days_ago(age))
        workspace.harbor.state.push("team-a", repo, artifact)


def _preview(workspace: Workspace, rules: str) -> dict[str, tuple[str, str]]:
    """digest (as shown) -> (verdict, rule) from ``regform lifecycle preview team-a``."""
    workspace.write_only(BARE + "    retention:\n      rules:\n" + rules)
    result = CliRunner().invoke(app, ["lifecycle", "preview", "team-a", "-c", str(workspace.path)])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()[4:]
    return {row.split()[0]: (row.split()[-2], row.split()[-1]) for row in rows if row.strip()}


def _short(name: str) -> str:
    return _digest(name)[:19]


# api: v1 (30 days), pr-1 (20 days), untagged (10 days), v2 (5 days), untagged (2 days)
API = [("a1", ["v1"], 30), ("a2", ["pr-1"], 20), ("a3", [], 10), ("a4", ["v2"], 5), ("a5", [], 2)]


def test_exclude_tags_selects_untagged_artifacts_by_default(workspace: Workspace) -> None:
    """``excludes`` without ``untagged``: Harbor defaults the extra to false, and an untagged
    artifact is selected by ``excludes`` when it is false (doublestar/selector.go
    @ c5c36201ee28 ``tagSelectExclude``). So the rule ranks pr-1 and both untagged artifacts
    and keeps the newest two of them: the untagged ones. v1, v2 (no rule selects them) and
    pr-1 (third) are deleted."""
    workspace.apply(workspace.write(BARE))
    _seed(workspace, "api", API)
    verdicts = _preview(workspace, "        - latest_pushed: 2\n          exclude_tags: [v*]\n")
    assert verdicts == {
        _short("a5"): ("keep", "1"),
        _short("a4"): ("delete", "-"),
        _short("a3"): ("keep", "1"),
        _short("a2"): ("delete", "-"),
        _short("a1"): ("delete", "-"),
    }


def test_exclude_tags_with_untagged_leaves_untagged_artifacts_out(workspace: Workspace) -> None:
    """``untagged: true`` with ``excludes``: an untagged artifact counts as matching the
    excluded pattern, so the rule never selects it (selector_test.go @ 09371b48e85a: ``excludes
    {latest,4.*}`` with untagged selects nothing). ``always`` keeps only pr-1; the v* and the
    untagged artifacts are deleted."""
    workspace.apply(workspace.write(BARE))
    _seed(workspace, "api", API)
    rules = "        - always: true\n          exclude_tags: [v*]\n          untagged: true\n"
    verdicts = _preview(workspace, rules)
    assert {d for d, (v, _) in verdicts.items() if v == "keep"} == {_short("a2")}
    assert len(verdicts) == 5


def test_a_repository_no_rule_selects_keeps_everything(workspace: Workspace) -> None:
    """launcher.go @ 0063430f6d8b: only repositories some rule's repository selector selects get
    a retention job. Rule 1 covers ``api``, rule 2 ``nightly/**``: in ``api`` and
    ``nightly/app`` what is too old goes; ``web`` and ``nightly`` (``nightly/**`` needs a
    component after ``nightly/``) are covered by no rule, and all their artifacts stay ("-")."""
    workspace.apply(workspace.write(BARE))
    _seed(workspace, "api", [("a1", ["v1"], 30), ("a2", ["v2"], 3)])
    _seed(workspace, "web", [("b1", ["v1"], 50), ("b2", [], 60)])
    _seed(workspace, "nightly/app", [("c1", ["n1"], 40)])
    _seed(workspace, "nightly", [("d1", ["n1"], 40)])
    rules = (
        "        - days_since_push: 7\n          repositories: [api]\n"
        "        - days_since_push: 1\n          repositories: nightly/**\n"
    )
    verdicts = _preview(workspace, rules)
    assert verdicts == {
        _short("a2"): ("keep", "1"),
        _short("a1"): ("delete", "-"),
        _short("b1"): ("keep", "-"),
        _short("b2"): ("keep", "-"),
        _short("c1"): ("delete", "-"),
        _short("d1"): ("keep", "-"),
    }


def test_a_list_holding_a_slash_is_refused(workspace: Workspace) -> None:
    """A list is sent as one ``{a,b}``; doublestar splits patterns on ``/`` before it reads
    braces, so ``{api,nightly/**}`` is malformed and Harbor's whole retention run fails
    (launcher.go @ 0063430f6d8b returns the selector's error). regform refuses it."""
    workspace.write_only(
        BARE + "    retention:\n      rules:\n"
        "        - days_since_push: 7\n          repositories: [api, nightly/**]\n"
    )
    issues = [str(i) for i in validate_paths(workspace.path)]
    assert any(
        "repositories" in i and "Harbor cannot match '{api,nightly/**}'" in i for i in issues
    ), issues


def test_brace_lists_and_classes_match_as_harbors_doublestar(workspace: Workspace) -> None:
    """``tags: [v1.*, rc-*]`` is sent as ``{rc-*,v1.*}``; ``[0-9]`` is a character class
    (bmatcuk/doublestar doublestar.go @ 044df0a5e3fa), not the literal text."""
    workspace.apply(workspace.write(BARE))
    _seed(
        workspace,
        "api",
        [("a1", ["v1.0"], 9), ("a2", ["rc-1"], 8), ("a3", ["v2.0"], 7), ("a4", ["b7"], 6)]
        + [("a5", ["bx"], 5)],
    )
    verdicts = _preview(
        workspace,
        "        - always: true\n          tags: [v1.*, rc-*]\n"
        "        - always: true\n          tags: 'b[0-9]'\n",
    )
    kept = {d for d, (v, _) in verdicts.items() if v == "keep"}
    assert kept == {_short("a1"), _short("a2"), _short("a4")}


def test_a_tag_pushed_later_counts_as_a_push(workspace: Workspace) -> None:
    """dep/client.go @ 09371b48e85a: an artifact's push time is the latest of its own and its
    tags'. An artifact pushed 30 days ago and tagged ``hotfix`` yesterday was pushed yesterday
    for ``days_since_push``; its untagged twin of the same age goes."""
    workspace.apply(workspace.write(BARE))
    old = Artifact(_digest("a1"), ["hotfix"], _days_ago(30), tag_pushed={"hotfix": _days_ago(1)})
    workspace.harbor.state.push("team-a", "api", old)
    _seed(workspace, "api", [("a2", [], 30)])
    verdicts = _preview(workspace, "        - days_since_push: 7\n")
    assert verdicts == {_short("a1"): ("keep", "1"), _short("a2"): ("delete", "-")}


READABLE = """
lifecycle_policies:
  releases:
    - tag_prefixes: [v]
      keep_last: 1
    - untagged: true
      older_than_days: 7
repositories:
  - name: team-a
    registry: hb
    lifecycle: releases
"""


def test_readable_untagged_rules_send_what_harbor_reads_as_untagged_only(
    workspace: Workspace,
) -> None:
    """An ECR-style ``untagged`` rule becomes a Harbor rule over untagged artifacts alone:
    ``excludes **`` with ``untagged: false`` (no tag is outside ``**``; untagged artifacts are
    selected). The complement (``always``) covers other tags but not untagged artifacts:
    ``excludes v*`` with ``untagged: true``. Untagged older than 7 days go, pr-1 stays."""
    workspace.apply(workspace.write(BARE))
    _seed(workspace, "api", API)
    workspace.apply(workspace.write(READABLE))
    (policy,) = workspace.harbor.state.retentions.values()
    selectors = {
        (r["template"], s["decoration"], s["pattern"], s["extras"])
        for r in policy["rules"]
        for s in r["tag_selectors"]
    }
    assert selectors == {
        ("latestPushedK", "matches", "v*", '{"untagged": false}'),
        ("nDaysSinceLastPush", "excludes", "**", '{"untagged": false}'),
        ("always", "excludes", "v*", '{"untagged": true}'),
    }
    result = CliRunner().invoke(app, ["lifecycle", "preview", "team-a", "-c", str(workspace.path)])
    deleted = {row.split()[0] for row in result.stdout.splitlines() if " delete " in row}
    assert deleted == {_short("a1"), _short("a3")}  # v1 (not the newest v*), untagged 10 days


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("**", "a/b/c", True),
        ("a/**", "a", False),  # ``**`` as the last component needs one after ``a/``
        ("a/**", "a/b/c", True),
        ("**/x", "x", True),  # and spans zero components elsewhere
        ("v**", "v/1", False),  # inside a component ``**`` is ``*``
        ("*", "a/b", False),
        ("{v1,rc}*", "rc-2", True),
        ("v[0-9]", "v7", True),
        ("v[^0-9]", "v7", False),
        ("v\\*", "v*", True),
        ("", "anything", True),  # Harbor's wrapper: an empty pattern matches all
        ("v1{,-rc}", "v1", False),  # an empty alternative at the end never matches
    ],
)
def test_doublestar_matches_as_the_library(pattern: str, value: str, expected: bool) -> None:
    assert match(pattern, value) is expected


@pytest.mark.parametrize("pattern", ["v[", "{a,b", "v[]", "v\\"])
def test_malformed_patterns_are_errors(pattern: str) -> None:
    with pytest.raises(BadPattern):
        match(pattern, "v1")
