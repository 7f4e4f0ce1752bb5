"""A saved plan is applied only as it was reviewed, including what apply itself does not act on:
the lifecycle preview of a change (its counts, the images it names, the registry's words), the
notes under a change, the readable lines of a field, and the words of previews of repositories
the plan does not change. An edit of any of them is refused with zero writes, counted at a
loopback proxy in front of moto's server; the plan as saved applies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ecr_images import push_image
from emulator_config import write_config
from fault_server import FaultServer
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

READS = ("Describe", "Get", "List", "BatchGet")
BODY = """
lifecycle_policies:
  keep-one:
    - description: keep the newest release
      tag_patterns: ["v*"]
      keep_last: 1
repositories:
  - name: team-a/api
    lifecycle: keep-one
  - name: team-a/web
    lifecycle: keep-one
"""


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


@pytest.fixture
def saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxy: FaultServer, raw_ecr: Any
) -> dict[str, Any]:
    """A reviewed plan: team-a/api gets a lifecycle policy that would expire 2 of its 3 images;
    team-a/old is deleted; team-a/web's policy is unchanged (previewed on its own)."""
    monkeypatch.chdir(tmp_path)
    for name in ("team-a/api", "team-a/web", "team-a/old"):
        raw_ecr.create_repository(repositoryName=name)
    for n, layer in enumerate("abc", start=1):
        push_image(raw_ecr, "team-a/api", f"v{n}", layer)
    write_config(tmp_path, proxy.url, BODY.replace("  - name: team-a/api\n", "  - name: x/y\n"))
    # team-a/web first gets its policy, so that the plan previews it unchanged
    assert (
        CliRunner().invoke(app, ["apply", "--target", "team-a/web", "--auto-approve"]).exit_code
        == 0
    )
    write_config(tmp_path, proxy.url, BODY, registry='scope: ["team-a/*"]\nprune: true')
    planned = CliRunner().invoke(
        app, ["plan", "--lifecycle-preview", "--allow-destroy", "--out", "plan.json"]
    )
    assert planned.exit_code == 0, planned.output
    assert "# lifecycle would expire 2 of 3 images now and keep 1: " in planned.stdout
    data: dict[str, Any] = json.loads((tmp_path / "plan.json").read_text())
    assert [(c["action"], c["name"]) for c in data["changes"]] == [
        ("update", "team-a/api"),
        ("delete", "team-a/old"),
    ]
    assert [p["name"] for p in data["lifecycle_previews"]] == ["team-a/web"]
    return data


def _change(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["changes"] if c["name"] == name)


def other_words(data: dict[str, Any]) -> None:
    words = _change(data, "team-a/api")["preview"]["words"]
    words.update(policy="retention", remove="keep", item="tag", items="tags")


def fewer_expired(data: dict[str, Any]) -> None:
    preview = _change(data, "team-a/api")["preview"]
    preview.update(expire=0, keep=3, sample=[])


def tags_hidden(data: dict[str, Any]) -> None:
    for image in _change(data, "team-a/api")["preview"]["sample"]:
        image["tags"] = ["scratch"]


def notes_softened(data: dict[str, Any]) -> None:
    _change(data, "team-a/old")["notes"] = ["an empty repository, nothing in it is lost"]


def display_rewritten(data: dict[str, Any]) -> None:
    field = next(f for f in _change(data, "team-a/api")["fields"] if f.get("display"))
    field["display"] = ["+ rules[1]: keep everything"]


def unchanged_preview_words(data: dict[str, Any]) -> None:
    data["lifecycle_previews"][0]["preview"]["words"]["remove"] = "keep"


EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "preview words": (other_words, 'prod/team-a/api preview.words.item: saved "tag" vs now'),
    "preview counts": (fewer_expired, "prod/team-a/api preview.expire: saved 0 vs now 2"),
    "preview sample": (tags_hidden, "prod/team-a/api preview.sample[0].tags[0]: saved"),
    "notes": (notes_softened, 'prod/team-a/old notes[0]: saved "an empty repository'),
    "display": (display_rewritten, "prod/team-a/api fields.lifecycle_policy.display[0]: saved"),
    "unchanged preview words": (
        unchanged_preview_words,
        'prod/team-a/web preview words: saved {"archive": "archive", "holder": "repository", "item',
    ),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edit_of_what_reviewers_read_is_refused_with_zero_writes(
    case: str, saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    edit, difference = EDITS[case]
    edit(saved)
    Path("edited.json").write_text(json.dumps(saved))
    proxy.script.seen.clear()

    result = CliRunner().invoke(app, ["apply", "edited.json"])

    assert result.exit_code == 1, result.output
    assert [op for op in proxy.script.seen if op and not op.startswith(READS)] == []
    assert "saved plan is stale" in result.stderr and "nothing was applied" in result.stderr
    assert difference in result.stderr, result.stderr
    assert "Traceback" not in result.output
    with pytest.raises(raw_ecr.exceptions.LifecyclePolicyNotFoundException):
        raw_ecr.get_lifecycle_policy(repositoryName="team-a/api")


def test_the_plan_as_saved_applies_with_its_previews_made_again(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    proxy.script.seen.clear()

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 0, result.output
    assert proxy.script.seen["DescribeImages"] >= 1  # the preview was made again
    assert proxy.script.seen["PutLifecyclePolicy"] == 1
    assert proxy.script.seen["DeleteRepository"] == 1
