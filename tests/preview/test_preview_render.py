"""Lifecycle previews from images given as data, at a fixed time: exact counts and names through
the evaluator and every renderer (plan text, markdown, JSON; ``lifecycle preview`` text, JSON).

Set REGFORM_UPDATE_GOLDEN=1 to rewrite the golden files, then review the diff.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from regform.lifecycle import compile_rules, explain
from regform.model import Image
from regform.plan import Action, Change, FieldChange, Plan, RepositoryPreview
from regform.providers.harbor.fields import HARBOR_CAPABILITIES
from regform.render import FORMATS, render
from regform.render.lifecycle import render_json, render_text
from regform.workflows.preview import PolicySource, RepositoryReport, preview_images

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = {"text": "txt", "markdown": "md", "json": "json"}
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
POLICY = compile_rules(
    [
        {"description": "PR builds", "tag_prefixes": ["pr-"], "older_than_days": 14},
        {
            "description": "idle nightlies",
            "tag_prefixes": ["nightly-"],
            "not_pulled_for_days": 30,
            "action": "archive",
        },
        {"untagged": True, "older_than_days": 7},
    ]
)
UNTAGGED_OLD = "sha256:" + "e" * 64


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def img(tag: str, pushed: float, pulled: float | None = None, digest: str = "") -> Image:
    """An image tagged ``tag`` (untagged when empty: give its digest)."""
    return Image(
        digest=digest or "sha256:" + hashlib.sha256(tag.encode()).hexdigest(),
        tags=(tag,) if tag else (),
        pushed_at=ago(pushed),
        last_pulled_at=ago(pulled) if pulled is not None else None,
    )


IMAGES = [
    img("pr-1", 20),
    img("pr-2", 15),
    img("pr-3", 14),  # exactly 14 days: stays (older than, strictly)
    img("pr-4", 3),
    img("nightly-1", 60, pulled=40),
    img("nightly-2", 60, pulled=10),
    img("nightly-3", 31),  # never pulled: counts from its push
    img("", 8, digest=UNTAGGED_OLD),
    img("", 2, digest="sha256:" + "d" * 64),
    img("v1", 90),
]


def test_counts_and_names_follow_the_documented_rules() -> None:
    preview = preview_images(POLICY, IMAGES, NOW)

    assert (preview.total, preview.expire, preview.transition, preview.keep) == (10, 3, 2, 5)
    names = [(s["tags"] or [s["digest"]])[0] for s in preview.sample]
    assert names == ["pr-1", "pr-2", UNTAGGED_OLD, "nightly-1", "nightly-3"]
    assert [s["rule_priority"] for s in preview.sample] == [1, 1, 3, 2, 2]


def test_the_plan_line_names_each_action_oldest_first() -> None:
    change = Change(
        "prod", "repository", "app", Action.UPDATE, (), preview=preview_images(POLICY, IMAGES, NOW)
    )
    plan = Plan(changes=(change,), registries={"prod": "ecr"})

    text = render(plan, "text")

    assert (
        "# lifecycle would expire 3 and archive 2 of 10 images now and keep 5; "
        "expire: pr-1, pr-2, sha256:eeeeeeeeeeee; archive: nightly-1, nightly-3\n"
    ) in text


def previews_plan() -> Plan:
    lifecycle = FieldChange("lifecycle_policy", None, POLICY)
    changed = Change(
        "prod",
        "repository",
        "app",
        Action.UPDATE,
        (lifecycle,),
        after={"lifecycle_policy": POLICY, "lifecycle_name": "ci"},
        preview=preview_images(POLICY, IMAGES, NOW),
    )
    created = Change(
        "prod",
        "repository",
        "new-svc",
        Action.CREATE,
        (lifecycle,),
        after={"lifecycle_policy": POLICY, "lifecycle_name": "ci"},
        preview=preview_images(POLICY, [], NOW),
    )
    many = [img(f"pr-{i}", 30 + i) for i in range(12)]
    unchanged = (
        RepositoryPreview("prod", "builds", preview_images(POLICY, many, NOW), "ci"),
        RepositoryPreview("prod", "quiet", preview_images(POLICY, IMAGES[3:4], NOW)),
    )
    return Plan(
        changes=(created, changed),
        registries={"prod": "ecr"},
        warnings=("prod/docs: lifecycle preview unavailable: AccessDeniedException",),
        created_at="2025-06-01T12:00:00+00:00",
        lifecycle_previews=unchanged,
    )


def report(source: PolicySource = PolicySource.CONFIG) -> RepositoryReport:
    return RepositoryReport("prod", "app", source, POLICY, NOW, explain(POLICY, IMAGES, NOW), "ci")


CASES: dict[str, Callable[[], str]] = {
    **{f"plan.{EXTENSIONS[f]}": (lambda f=f: render(previews_plan(), f)) for f in FORMATS},
    "repository.txt": lambda: render_text(report()),
    "repository.json": lambda: render_json(report()),
    "registry-policy.txt": lambda: render_text(report(PolicySource.REGISTRY)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    output = CASES[case]()
    path = GOLDEN / case
    if os.environ.get("REGFORM_UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(output)
    assert path.exists(), f"{path} missing: run with REGFORM_UPDATE_GOLDEN=1"
    assert output == path.read_text(), (
        f"{path}: rerun with REGFORM_UPDATE_GOLDEN=1, review the diff"
    )


def test_the_repository_list_shows_every_image_with_its_verdict_and_rule() -> None:
    lines = render_text(report()).splitlines()

    assert (
        lines[0]
        == 'prod/app: lifecycle "ci" from the configuration, evaluated at 2025-06-01 12:00:00 UTC'
    )
    assert lines[1] == "10 images: 3 to expire, 2 to archive, 5 to keep"
    by_tags = {line.split()[1]: line for line in lines[4:]}
    assert by_tags["nightly-1"].endswith("2025-04-22 12:00:00  archive  2: idle nightlies")
    assert by_tags["pr-3"].endswith("keep     1: PR builds")
    assert by_tags["v1"].endswith("keep     -")
    data = json.loads(render_json(report()))
    assert [i["verdict"] for i in data["images"]].count("transition") == 2
    assert data["policy"] == POLICY


def test_a_plan_over_ecr_and_harbor_speaks_each_registrys_words() -> None:
    """Each preview carries its registry's words; the renderers put them in place: one line
    each, one markdown table each, and one heading naming both."""
    by_count = compile_rules([{"tag_prefixes": ["pr-"], "keep_last": 1}])
    images = IMAGES[:4]  # pr-1 .. pr-4
    ecr = preview_images(by_count, images, NOW)
    harbor = dataclasses.replace(ecr, words=HARBOR_CAPABILITIES.preview_words)
    plan = Plan(
        registries={"prod": "ecr", "hb": "harbor"},
        lifecycle_previews=(
            RepositoryPreview("prod", "app", ecr, "ci"),
            RepositoryPreview("hb", "team-a", harbor, "ci"),
        ),
    )

    text = render(plan, "text")
    markdown = render(plan, "markdown")

    assert text.startswith(
        "Lifecycle and retention preview of unchanged policies "
        "(the registry applies them on its own):\n"
        "  prod/app (ci)   lifecycle would expire 3 of 4 images now and keep 1: pr-1, pr-2, pr-3\n"
        "  hb/team-a (ci)  retention would delete 3 of 4 artifacts now and keep 1: pr-1, pr-2, "
        "pr-3\n"
    ), text
    assert (
        "| Repository | Lifecycle policy | Images | Expire | Archive | Keep | Oldest affected |\n"
        "|---|---|---:|---:|---:|---:|---|\n"
        "| `prod/app` | unchanged (`ci`) | 4 | 3 | 0 | 1 | pr-1, pr-2, pr-3 |\n"
    ) in markdown
    assert (
        "**Retention preview** (what each policy would do to the artifacts there now)\n\n"
        "| Repository | Retention policy | Artifacts | Delete | Keep | Oldest affected |\n"
        "|---|---|---:|---:|---:|---|\n"
        "| `hb/team-a` | unchanged (`ci`) | 4 | 3 | 1 | pr-1, pr-2, pr-3 |\n"
    ) in markdown
    assert Plan.from_dict(json.loads(render(plan, "json"))) == plan
