"""A saved Harbor plan is applied only as reviewed: its retention preview is made again at apply
and must be the same. An artifact pushed after the review, or an edited preview, is refused with
zero writes counted at the fake Harbor; the plan as saved applies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from harbor_state import Artifact
from harbor_workspace import Workspace
from test_harbor_retention import BARE, RETENTION, _days_ago, _seed
from typer.testing import CliRunner

from regform.cli import app


def _saved(workspace: Workspace) -> dict[str, Any]:
    """A reviewed plan: team-a gets retention that deletes 3 of its 8 artifacts."""
    workspace.apply(workspace.write(BARE))
    _seed(workspace)
    workspace.write(RETENTION)
    planned = CliRunner().invoke(
        app, ["plan", "-c", str(workspace.path), "--out", str(workspace.path / "plan.json")]
    )
    assert planned.exit_code == 0, planned.output
    assert "# retention would delete 3 of 8 artifacts now and keep 5" in planned.stdout
    data: dict[str, Any] = json.loads((workspace.path / "plan.json").read_text())
    return data


def _apply(workspace: Workspace, name: str) -> Any:
    workspace.harbor.writes.clear()
    return CliRunner().invoke(app, ["apply", str(workspace.path / name)])


def test_an_artifact_pushed_after_the_review_makes_the_plan_stale(workspace: Workspace) -> None:
    _saved(workspace)
    old = Artifact("sha256:" + "c1" * 32, ["pr-3"], _days_ago(60))
    workspace.harbor.state.push("team-a", "api", old)

    result = _apply(workspace, "plan.json")

    assert result.exit_code == 1, result.output
    assert "saved plan is stale" in result.stderr and "nothing was applied" in result.stderr
    assert "hb/team-a preview.expire: saved 3 vs now 4" in result.stderr, result.stderr
    assert workspace.harbor.writes == []


def _fewer_deleted(data: dict[str, Any]) -> None:
    data["changes"][0]["preview"].update(expire=0, keep=8, sample=[])


def _tags_hidden(data: dict[str, Any]) -> None:
    for image in data["changes"][0]["preview"]["sample"]:
        image["tags"] = ["scratch"]


def _display_rewritten(data: dict[str, Any]) -> None:
    field = next(f for f in data["changes"][0]["fields"] if f["path"] == "lifecycle_policy")
    field["display"] = ["+ rules[1]: always"]


EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "preview counts": (_fewer_deleted, "hb/team-a preview.expire: saved 0 vs now 3"),
    "preview sample": (_tags_hidden, "hb/team-a preview.sample[0].tags[0]: saved"),
    "display": (
        _display_rewritten,
        'hb/team-a fields.lifecycle_policy.display: saved ["+ rules[1]: always"] vs now',
    ),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edited_preview_is_refused_with_zero_writes(workspace: Workspace, case: str) -> None:
    data = _saved(workspace)
    edit, difference = EDITS[case]
    edit(data)
    (workspace.path / "edited.json").write_text(json.dumps(data))

    result = _apply(workspace, "edited.json")

    assert result.exit_code == 1, result.output
    assert "saved plan is stale" in result.stderr
    assert difference in result.stderr, result.stderr
    assert workspace.harbor.writes == []


def test_the_plan_as_saved_applies(workspace: Workspace) -> None:
    _saved(workspace)
    result = _apply(workspace, "plan.json")
    assert result.exit_code == 0, result.output
    assert workspace.harbor.writes  # the retention policy was written
