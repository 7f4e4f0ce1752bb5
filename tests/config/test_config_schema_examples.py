"""The shipped JSON Schema, the examples, and the validate/schema commands."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from regform.cli import app
from regform.config import config_schema, load_config, schema_text, validate_paths

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "regform.yaml").exists())
BAD = Path(__file__).parent / "bad"


def test_schema_is_valid_draft_2020_12_with_id_and_help() -> None:
    schema = config_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith("regform.schema.json")
    for key, sub in schema["properties"].items():
        assert sub.get("description"), f"{key} has no description for editors"


def test_top_level_schema_is_the_schema_regform_validates_with() -> None:
    """schemas/regform.schema.json (for editors) is generated: `regform schema` rewrites it."""
    editors = ROOT / "schemas" / "regform.schema.json"
    assert editors.read_text() == schema_text()
    assert json.loads(editors.read_text()) == config_schema()


def test_examples_exist() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"quickstart", "jx-registry", "multi-account", "org-500"} <= names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_and_explains_itself(example: Path) -> None:
    assert validate_paths([example], env={}) == []
    first = (example / "regform.yaml").read_text().splitlines()[0]
    assert first.startswith("# ")


def test_org_500_expands_to_500_repositories() -> None:
    cfg = load_config(ROOT / "examples" / "org-500", env={})
    assert sum(len(r.repositories) for r in cfg.registries.values()) == 500


def test_quickstart_runs_in_the_sandbox() -> None:
    cfg = load_config(ROOT / "examples" / "quickstart", env={})
    (reg,) = cfg.registries.values()
    assert reg.provider == "ecr" and reg.connection["sandbox"] is True
    assert reg.connection["region"] == "us-east-1"


def test_multi_account_example_merges_its_files() -> None:
    cfg = load_config(ROOT / "examples" / "multi-account", env={})
    assert len(cfg.files) >= 3
    assert set(cfg.registries) == {"prod-us", "prod-eu", "staging"}


def test_pre_commit_hook_definition() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "regform-validate"
    assert hook["entry"] == "regform validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False  # the whole configuration, once
    files = re.compile(hook["files"])
    assert files.search("registries/prod.yaml") and files.search("regform.yaml")
    assert not files.search(".github/workflows/ci.yaml")
    assert not files.search("charts/app/values.yaml")


def test_the_readme_pre_commit_example_works_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    readme = (ROOT / "README.md").read_text()
    block = readme.split("```yaml\nrepos:\n  - repo: local\n")[1].split("```")[0]
    (hook,) = yaml.safe_load("repos:\n  - repo: local\n" + block)["repos"][0]["hooks"]
    assert "rev" not in block
    files = re.compile(hook["files"])
    assert files.search("registries/prod.yaml")
    assert not files.search(".github/workflows/ci.yaml")
    assert hook["pass_filenames"] is False and hook["language"] == "system"

    shutil.copytree(ROOT / "examples" / "quickstart", tmp_path / "registries")
    monkeypatch.chdir(tmp_path)
    command, *args = shlex.split(hook["entry"])
    assert command == "regform"
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output


runner = CliRunner()


def test_cli_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(ROOT / "examples" / "quickstart")])
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 1 registry, 6 repositories (1 file)\n"


def test_cli_validate_reports_every_issue_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    result = runner.invoke(app, ["validate", "unknown-keys.yaml"], env={})
    assert result.exit_code == 1
    assert result.stdout == (BAD / "unknown-keys.errors.txt").read_text()
    assert result.stderr == "9 errors in config\n"


def test_cli_validate_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    result = runner.invoke(app, ["validate", "--format", "json", "version.yaml"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "file": "version.yaml",
            "line": 1,
            "column": 10,
            "path": "version",
            "message": "unsupported version 2 (this regform reads version 1)",
            "severity": "error",
        }
    ]
    ok = runner.invoke(app, ["validate", "-f", "json", str(ROOT / "examples" / "org-500")])
    assert ok.exit_code == 0 and json.loads(ok.stdout) == []


def test_cli_validate_several_paths_are_merged(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n"
    )
    (tmp_path / "b.yaml").write_text("version: 1\nrepositories:\n  - name: team-a/api\n")
    result = runner.invoke(app, ["validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout == "OK: 1 registry, 1 repository (2 files)\n"


def test_cli_schema_prints_the_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert result.stdout == schema_text()
    assert json.loads(result.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_a_definition_nothing_uses_is_a_warning_naming_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "regform.yaml").write_text(
        "version: 1\n"
        "registries:\n"
        "  prod: {provider: ecr, region: us-east-1}\n"
        "lifecycle_policies:\n"
        "  used: [{untagged: true, keep_last: 1}]\n"
        "  leftover: [{untagged: true, keep_last: 2}]\n"
        "repository_policies:\n"
        "  ci-pul: {allow_pull: ['111111111111']}\n"
        "repositories:\n"
        "  - {name: app, lifecycle: used}\n"
    )
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["validate"])

    assert result.exit_code == 0, result.output  # valid: a warning, not an error
    assert result.stderr.splitlines() == [
        "Warning: regform.yaml:6:13: lifecycle_policies.leftover: lifecycle policy 'leftover' is "
        "defined but nothing uses it (no repository, default or template says lifecycle: "
        "leftover)",
        "Warning: regform.yaml:8:11: repository_policies.ci-pul: repository policy 'ci-pul' is "
        "defined but nothing uses it (no repository, default or template says policy: ci-pul)",
    ]
    config = load_config(tmp_path / "regform.yaml", env={})
    assert [w.split(": ")[2] for w in config.warnings] == [
        "lifecycle policy 'leftover' is defined but nothing uses it (no repository, default or "
        "template says lifecycle",
        "repository policy 'ci-pul' is defined but nothing uses it (no repository, default or "
        "template says policy",
    ]
