"""Setting a field its vendor deprecated shows a warning in the plan (ECR: scan on push)."""

from __future__ import annotations

from tests.core.core_builders import have, plan_one, registry, want


def test_creating_with_scan_on_push_warns_that_aws_deprecated_it() -> None:
    reg = registry("prod", want("api", scan_on_push=True))

    result = plan_one(reg)

    assert [w for w in result.warnings if "scan on push is deprecated" in w] == [
        "prod: repository-level scan on push is deprecated by AWS in favour of registry "
        "scanning (settings.scanning); it still works for now"
    ]


def test_changing_scan_on_push_warns() -> None:
    reg = registry("prod", want("api", scan_on_push=True))

    result = plan_one(reg, have("api", scan_on_push=False))

    assert any("scan on push is deprecated" in w for w in result.warnings)


def test_no_warning_when_scan_on_push_is_already_as_declared() -> None:
    reg = registry("prod", want("api", scan_on_push=True, tags={"team": "a"}))

    result = plan_one(reg, have("api", scan_on_push=True, tags={"team": "b"}))

    assert result.changes, "the tag change is planned"
    assert not any("deprecated" in w for w in result.warnings)
