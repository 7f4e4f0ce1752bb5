"""Renderers over a handful of plans, checked against golden files.

Set REGFORM_UPDATE_GOLDEN=1 to rewrite the golden files, then review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from core_builders import POLICY, ROLE, UNTAGGED, have, plan_one, registry, want

from regform.model import Encryption, SafetySettings
from regform.plan import Action, LifecyclePreview, Plan
from regform.planning.planner import combine
from regform.render import FORMATS, RenderOptions, render

GOLDEN = Path(__file__).parent / "golden"
EXTENSIONS = {"text": "txt", "markdown": "md", "json": "json"}
KEY = "arn:aws:kms:us-east-1:111111111111:key/aaaa"
PR_BUILDS = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "pull request builds",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["0.0.0-pr"],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        },
        UNTAGGED["rules"][0] | {"rulePriority": 2},
    ]
}


def _finish(plan: Plan) -> Plan:
    return dataclasses.replace(
        plan,
        config_checksum="0" * 64,
        regform_version="0.1.0",
        created_at="2025-01-02T03:04:05+00:00",
    )


def no_changes() -> Plan:
    reg = registry("prod", want("app", scan_on_push=True))
    return _finish(
        combine(
            {"prod": plan_one(reg, have("app", scan_on_push=True))},
            registries={"prod": "ecr"},
            state_checksums={"prod": "1" * 64},
            api_calls={"DescribeRepositories": 1},
        )
    )


def every_action() -> Plan:
    reg = registry(
        "prod",
        want("app-worker", image_tag_mutability="IMMUTABLE", lifecycle_policy=UNTAGGED),
        want(
            "app-api",
            image_tag_mutability="IMMUTABLE",
            tags={"team": "payments"},
            lifecycle_policy=PR_BUILDS,
            lifecycle_name="pr-builds",
            lifecycle_readable=True,
            repository_policy={
                **POLICY,
                "Statement": [
                    {**POLICY["Statement"][0], "Principal": {"AWS": [ROLE, "222222222222"]}}
                ],
            },
        ),
        want("legacy", encryption=Encryption("KMS", KEY)),
        prune=True,
        scope=("app-*", "legacy", "old-*"),
        force_delete=True,
    )
    result = plan_one(
        reg,
        have(
            "app-api",
            tags={"team": "web", "managed-by": "regform"},
            lifecycle_policy=UNTAGGED,
            repository_policy=POLICY,
        ),
        have("legacy", info={"image_count": 12}),
        have("old-tool", info={"image_count": 2}),
        have("tools/builder"),
    )
    plan = combine(
        {"prod": result},
        registries={"prod": "ecr"},
        state_checksums={"prod": "1" * 64},
        api_calls={"DescribeRepositories": 1, "ListTagsForResource": 1, "GetLifecyclePolicy": 1},
    )
    preview = LifecyclePreview(
        total=40,
        expire=12,
        transition=0,
        keep=28,
        sample=tuple(
            {
                "digest": f"sha256:{i:064x}",
                "tags": [f"0.0.0-pr{i}"],
                "pushed_at": "",
                "action": "expire",
            }
            for i in range(1, 11)
        )
        + ({"digest": "sha256:" + "f" * 64, "tags": [], "pushed_at": "", "action": "expire"},),
    )
    changes = tuple(
        dataclasses.replace(c, preview=preview) if c.name == "app-api" else c for c in plan.changes
    )
    return _finish(dataclasses.replace(plan, changes=changes))


def two_registries_with_guards() -> Plan:
    fleet = [want(f"svc-{i:02}", scan_on_push=True) for i in range(10)]
    prod = registry(
        "prod",
        *fleet,
        prune=True,
        ownership="tag",
        settings={"registry_policy": POLICY},
        safety=SafetySettings(max_change_percent=20, min_repositories=5),
    )
    actual = [
        have(f"svc-{i:02}", scan_on_push=i >= 3, tags={"managed-by": "regform"}) for i in range(10)
    ]
    actual.append(have("svc-old", tags={"managed-by": "regform"}, info={"image_count": 4}))
    actual.append(have("svc-theirs", tags={}))
    dev = registry("dev", want("sandbox", image_tag_mutability="MUTABLE"))
    plan = combine(
        {"prod": plan_one(prod, *actual), "dev": plan_one(dev)},
        registries={"prod": "ecr", "dev": "ecr"},
        state_checksums={"prod": "1" * 64, "dev": "2" * 64},
    )
    return _finish(plan)


PLANS: dict[str, Callable[[], Plan]] = {
    "no-changes": no_changes,
    "every-action": every_action,
    "two-registries": two_registries_with_guards,
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", sorted(PLANS))
def test_golden(case: str, fmt: str) -> None:
    output = render(PLANS[case](), fmt)
    path = GOLDEN / f"{case}.{EXTENSIONS[fmt]}"
    if os.environ.get("REGFORM_UPDATE_GOLDEN") == "1":
        path.write_text(output)
    assert path.exists(), f"{path} missing: run with REGFORM_UPDATE_GOLDEN=1"
    assert output == path.read_text(), (
        f"{path}: rerun with REGFORM_UPDATE_GOLDEN=1, review the diff"
    )


def test_text_summary_lines() -> None:
    assert render(no_changes(), "text").splitlines()[-2] == (
        "No changes. Registries match the configuration."
    )
    text = render(every_action(), "text")
    assert "Plan: 1 to create, 1 to update, 1 to replace, 1 to delete." in text
    assert "-/+ legacy" in text and "# forces replacement" in text
    assert "apply needs --allow-destroy: prod/old-tool will be deleted" in text
    assert (
        "lifecycle would expire 12 of 40 images now and keep 28: "
        "0.0.0-pr1, 0.0.0-pr2, 0.0.0-pr3 (+9 more)" in text
    )


def test_json_is_the_plan_format_and_reads_back() -> None:
    plan = every_action()
    data = json.loads(render(plan, "json"))
    assert data["format_version"] == "1.5"
    assert [c["action"] for c in data["changes"]] == [a.value for a in Action]
    assert Plan.from_dict(data) == plan


def test_markdown_puts_the_summary_first_and_highlights_destroys() -> None:
    lines = render(every_action(), "markdown").splitlines()
    assert lines[2] == "**Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.**"
    warning = next(line for line in lines if line.startswith("> :warning:"))
    assert (
        "`prod/legacy` (replace: deletes every image)" in warning
        and "`prod/old-tool` (delete)" in warning
    )
    assert lines.index(warning) < lines.index(next(x for x in lines if x.startswith("<details>")))


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown plan format 'yaml'"):
        render(no_changes(), "yaml")


def test_an_approval_given_at_plan_time_is_shown_by_every_renderer() -> None:
    plan = dataclasses.replace(two_registries_with_guards(), approved=("--allow-destroy",))
    text = render(plan, "text")
    assert "approved at plan time with --allow-destroy: prod/svc-old will be deleted" in text
    assert "apply needs --force:" in text  # a flag not approved is still needed
    assert "Approved at plan time: --allow-destroy" in text
    markdown = render(plan, "markdown")
    assert "- :white_check_mark: approved at plan time with `--allow-destroy`" in markdown
    assert "- :no_entry: apply needs `--force`" in markdown
    assert json.loads(render(plan, "json"))["approved"] == ["--allow-destroy"]
    assert "Approved" not in render(two_registries_with_guards(), "text")


def _org(n: int) -> Plan:
    """``n`` repositories to create with a repository policy each, one to delete."""
    wanted = [want(f"team-{i:03}/api", repository_policy=POLICY) for i in range(n)]
    reg = registry("prod", *wanted, prune=True, force_delete=True)
    result = plan_one(reg, have("old", info={"image_count": 3}))
    return _finish(combine({"prod": result}, registries={"prod": "ecr"}))


def test_markdown_fits_a_comment_with_the_summary_and_destroys_first() -> None:
    plan = _org(400)
    full = render(plan, "markdown", RenderOptions(max_chars=None))
    assert len(full) > 100_000

    cut = render(plan, "markdown", RenderOptions(max_chars=20_000))
    default = render(plan, "markdown")

    assert len(cut) <= 20_000 and len(default) <= 65_000
    assert cut.startswith("### regform plan\n\n**Plan: 400 to create, 0 to update, 0 to replace")
    first = cut.index("<details>")
    assert cut[first:].startswith("<details><summary><code>- prod/old</code> will be deleted")
    shown = cut.count("will be created</summary>")
    assert 0 < shown < 400
    assert f"**{400 - shown} more changes: see the full plan**" in cut
    assert full.count("will be created</summary>") == 400


def test_unmanaged_outside_every_scope_is_one_line_unless_asked() -> None:
    plan = every_action()
    listed = RenderOptions(show_unmanaged=True)
    assert "prod/tools/builder" not in render(plan, "text")
    assert "1 repository outside every scope" in render(plan, "text")
    assert "  prod/tools/builder  outside scope app-*, legacy, old-*" in render(
        plan, "text", listed
    )
    assert "| prod | `tools/builder` | out of scope |" in render(plan, "markdown", listed)
    assert "tools/builder" in render(plan, "json")  # the plan document has every repository
