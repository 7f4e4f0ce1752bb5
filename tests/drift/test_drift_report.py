"""The drift report as data: built from desired and actual state without any registry, kept as
JSON and read back."""

from __future__ import annotations

from regform import model as m
from regform.model import RegistryConfig, RegistryState, Repository, RepositoryPattern
from regform.providers import CAPABILITIES
from regform.render.drift import render_drift
from regform.workflows.drift import DriftReport, DriftStatus, FailOn, detect_drift

ECR = CAPABILITIES["ecr"]


def actual(name: str, **values: object) -> Repository:
    loaded = frozenset(m.REPOSITORY_FIELDS)
    return Repository(name=name, loaded=loaded, **values)  # type: ignore[arg-type]


def registry() -> RegistryConfig:
    template = Repository(
        name="apps/*",
        image_tag_mutability="IMMUTABLE",
        tags={"team": "apps"},
        managed=frozenset({m.MUTABILITY, m.MUTABILITY_EXCLUSIONS, m.TAGS}),
    )
    declared = Repository(
        name="core",
        scan_on_push=True,
        image_tag_mutability_exclusions=("latest",),
        image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
        managed=frozenset({m.SCAN_ON_PUSH, m.MUTABILITY, m.MUTABILITY_EXCLUSIONS}),
    )
    return RegistryConfig(
        name="prod",
        provider="ecr",
        connection={"region": "us-east-1"},
        scope=("apps/*", "core"),
        repositories={"core": declared},
        patterns=(RepositoryPattern("apps/*", template),),
    )


def test_drift_from_desired_and_actual_includes_pattern_matches() -> None:
    state = RegistryState(
        repositories={
            "core": actual(
                "core",
                scan_on_push=True,
                image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
                image_tag_mutability_exclusions=("latest", "dev-*"),
            ),
            "apps/web": actual("apps/web", image_tag_mutability="IMMUTABLE", tags={"team": "x"}),
            "apps/api": actual("apps/api", image_tag_mutability="IMMUTABLE", tags={"team": "apps"}),
            "tools": actual("tools"),
        }
    )
    report = detect_drift(registry(), state, ECR)

    by_name = {i.name: i for i in report.items}
    assert set(by_name) == {"core", "apps/web"}  # apps/api matches its pattern: no drift
    (excl,) = by_name["core"].fields
    assert (excl.path, excl.declared, excl.found) == (
        "image_tag_mutability_exclusions",
        ["latest"],
        ["latest", "dev-*"],
    )
    assert excl.diff == ("+ dev-*",)
    (team,) = by_name["apps/web"].fields
    assert (team.path, team.declared, team.found) == ("tags.team", "apps", "x")
    assert [(u.name, u.in_scope) for u in report.unmanaged] == [("tools", False)]
    assert report.fails(FailOn.DRIFT) and not report.fails(FailOn.UNMANAGED)

    again = DriftReport.from_dict(report.to_dict())
    assert again == report
    assert render_drift(again, "text") == render_drift(report, "text")


def test_a_missing_repository_and_an_empty_registry() -> None:
    report = detect_drift(registry(), RegistryState(), ECR)
    (item,) = report.items
    assert (item.name, item.status, item.fields) == ("core", DriftStatus.MISSING, ())
    assert report.exit_code(FailOn.ANY) == 2
    assert "  - core  missing (declared, not found)" in render_drift(report, "text")
