"""A saved plan that deletes images on a distribution registry (regform's own retention) is
applied only as reviewed, against the real docker-registry: an image pushed after the review to
a repository whose retention changes makes it stale, and an edited preview or image list is
refused; either way nothing is deleted. The plan as saved deletes what it showed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from dist_images import Pushed, Pusher
from dist_server import RegistryServer
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

CONFIG = """
version: 1
registries:
  local:
    provider: distribution
    url: {url}
    allow_http: true
lifecycle_policies:
  releases:
    - {{description: newest releases, tag_prefixes: ["v"], keep_last: {keep}}}
repositories:
  - {{name: {repo}/api, registry: local, lifecycle: releases}}
"""


def _write(path: Path, url: str, repo: str, keep: int) -> None:
    (path / "regform.yaml").write_text(CONFIG.format(url=url, repo=repo, keep=keep))


@pytest.fixture
def saved(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    plain_registry: RegistryServer,
    pusher: Pusher,
    repo: str,
) -> tuple[dict[str, Any], list[Pushed]]:
    """A reviewed plan: the retention of {repo}/api goes from 2 releases kept to 1, deleting v1."""
    monkeypatch.chdir(tmp_path)
    images = [
        pusher.image(f"{repo}/api", "v1", "2026-01-01T00:00:00Z"),
        pusher.image(f"{repo}/api", "v2", "2026-02-01T00:00:00Z"),
    ]
    _write(tmp_path, plain_registry.url, repo, 2)
    assert "No changes" in CliRunner().invoke(app, ["plan", "-c", "."]).stdout
    _write(tmp_path, plain_registry.url, repo, 1)
    planned = CliRunner().invoke(app, ["plan", "-c", ".", "--allow-destroy", "--out", "plan.json"])
    assert planned.exit_code == 0, planned.output
    assert f"- {images[0].digest}  v1  created 2026-01-01T00:00:00  (rule 1)" in planned.stdout
    assert "# retention would delete 1 of 2 images now and keep 1: v1" in planned.stdout
    return json.loads(Path("plan.json").read_text()), images


def _all_served(pusher: Pusher, repo: str, images: list[Pushed]) -> bool:
    return all(pusher.served(f"{repo}/api", i.digest) == 200 for i in images)


def test_an_image_pushed_after_the_review_makes_the_plan_stale(
    saved: tuple[dict[str, Any], list[Pushed]], pusher: Pusher, repo: str
) -> None:
    _, images = saved
    images.append(pusher.image(f"{repo}/api", "v0", "2025-12-01T00:00:00Z"))  # older than all

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 1, result.output
    assert "saved plan is stale" in result.stderr and "nothing was applied" in result.stderr
    address = f"local:images/{repo}/api"
    assert f"{address} preview.expire: saved 1 vs now 2" in result.stderr, result.stderr
    assert f"{address} before.total: saved 2 vs now 3" in result.stderr
    assert _all_served(pusher, repo, images)  # zero deletes


def _fewer_deleted(data: dict[str, Any]) -> None:
    data["changes"][0]["preview"].update(expire=0, keep=2, sample=[])


def _tags_hidden(data: dict[str, Any]) -> None:
    for image in data["changes"][0]["preview"]["sample"]:
        image["tags"] = ["scratch"]


def _other_image_listed(data: dict[str, Any]) -> None:
    field = data["changes"][0]["fields"][0]
    field["diff"] = [line.replace("v1", "v2") for line in field["diff"]]


EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "preview counts": (_fewer_deleted, "preview.expire: saved 0 vs now 1"),
    "preview sample": (_tags_hidden, "preview.sample[0].tags[0]: saved"),
    "image list": (_other_image_listed, "fields.images.diff[0]: saved"),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_an_edited_plan_is_refused_with_zero_deletes(
    case: str, saved: tuple[dict[str, Any], list[Pushed]], pusher: Pusher, repo: str
) -> None:
    data, images = saved
    edit, difference = EDITS[case]
    edit(data)
    Path("edited.json").write_text(json.dumps(data))

    result = CliRunner().invoke(app, ["apply", "edited.json"])

    assert result.exit_code == 1, result.output
    assert "saved plan is stale" in result.stderr
    assert difference in result.stderr, result.stderr
    assert _all_served(pusher, repo, images)


def test_the_plan_as_saved_deletes_what_it_showed(
    saved: tuple[dict[str, Any], list[Pushed]], pusher: Pusher, repo: str
) -> None:
    _, (v1, v2) = saved
    result = CliRunner().invoke(app, ["apply", "plan.json"])
    assert result.exit_code == 0, result.output
    assert pusher.served(f"{repo}/api", v1.digest) == 404
    assert pusher.served(f"{repo}/api", v2.digest) == 200
