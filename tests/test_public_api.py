"""The library API the README shows: every name in ``regform.__all__`` resolves, and the
documented pipeline runs end to end against the sandbox without the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

import regform
from regform.render import render

QUICKSTART = Path(__file__).resolve().parent.parent / "examples" / "quickstart"


@pytest.mark.parametrize("name", regform.__all__)
def test_exported_name_resolves_to_a_function_class_or_version(name: str) -> None:
    value = getattr(regform, name)
    assert callable(value) or isinstance(value, str), f"regform.{name} is {value!r}"


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        regform.nope  # noqa: B018


def test_readme_pipeline_plans_applies_and_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path))
    config = regform.load_config([QUICKSTART])
    providers = regform.build_providers(config)
    plan = regform.make_plan(config, providers)
    assert plan.summary["create"] == 6
    assert "Plan: 6 to create" in render(plan, "text")
    assert plan.warnings == ()  # a new user's first plan warns about nothing (no deprecated field)

    result = regform.apply_plan(plan, providers)

    assert result.ok
    for provider in providers.values():
        provider.close()  # type: ignore[attr-defined]
    again = regform.build_providers(config)
    assert not regform.make_plan(config, again).has_changes
