"""The validation rules checked against the ECR API (docs/ecr-validation.md): a value ECR accepts
validates, a value ECR refuses is an error naming file, line and field."""

from __future__ import annotations

from pathlib import Path

from regform.config import check_config

ECR = "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n"


def issues_of(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "regform.yaml"
    path.write_text(ECR + body)
    outcome = check_config([path])
    return [str(issue).replace(f"{path}:", "") for issue in outcome.issues]


def test_names_joined_by_double_underscores_or_hyphen_runs_validate(tmp_path: Path) -> None:
    body = "repositories:\n  - name: team-a__api\n  - name: team-a--api/v1---x\n"
    assert issues_of(tmp_path, body) == []


def test_a_triple_underscore_is_a_located_error(tmp_path: Path) -> None:
    assert issues_of(tmp_path, "repositories:\n  - name: team___api\n") == [
        "5:11: repositories[0].name: repository name 'team___api' must start and end with a "
        "letter or digit, with one separator ('.', '_', '__', '-' or several, '/') between "
        "letters or digits"
    ]
