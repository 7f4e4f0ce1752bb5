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


POLICY = """repository_policies:
  p:
    document:
      Version: "2012-10-17"
      Statement:
%s
"""
PULL = "Effect: Allow, Principal: {AWS: '%s'}, Action: ecr:BatchGetImage"


def _statements(*lines: str) -> str:
    return POLICY % "\n".join(f"        - {{{line}}}" for line in lines)


def test_any_text_is_a_sid_and_sids_may_repeat(tmp_path: Path) -> None:
    root = PULL % "arn:aws:iam::111122223333:root"
    body = _statements(
        f"Sid: allow-ci_pull, {root}",
        f"Sid: 'new policy: CI pull', {root}",
        f"Sid: allow-ci_pull, {root}",
    )
    assert issues_of(tmp_path, body) == []


def test_a_sid_that_is_not_text_is_a_located_error(tmp_path: Path) -> None:
    body = _statements("Sid: 42, " + PULL % "arn:aws:iam::111122223333:root")
    assert issues_of(tmp_path, body) == [
        "9:17: repository_policies.p.document.Statement[0].Sid: a Sid is a string"
    ]


def test_the_unique_id_of_a_deleted_role_or_user_is_a_principal(tmp_path: Path) -> None:
    body = _statements(PULL % "AROA3XFRBF535PLBIFPI4", PULL % "AIDACKCEVSQ6C2EXAMPLE")
    assert issues_of(tmp_path, body) == []


def test_an_access_key_id_is_no_principal(tmp_path: Path) -> None:
    (issue,) = issues_of(tmp_path, _statements(PULL % "AKIAIOSFODNN7EXAMPLE"))
    assert issue.startswith("9:44: repository_policies.p.document.Statement[0].Principal.AWS:")
