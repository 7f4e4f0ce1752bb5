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


def test_kms_without_a_key_and_an_alias_with_a_colon_validate(tmp_path: Path) -> None:
    body = (
        "repositories:\n"
        "  - {name: managed-key, encryption: {type: KMS}}\n"
        "  - {name: dsse, encryption: {type: KMS_DSSE}}\n"
        "  - {name: aliased, encryption: {type: KMS, kms_key: 'alias/team:a/images'}}\n"
    )
    assert issues_of(tmp_path, body) == []


def test_a_kms_key_that_is_no_alias_id_or_arn_is_a_located_error(tmp_path: Path) -> None:
    body = "repositories:\n  - {name: app, encryption: {type: KMS, kms_key: 'team key'}}\n"
    assert issues_of(tmp_path, body) == [
        "5:50: repositories[0].encryption.kms_key: not a KMS key alias (alias/name), key id or "
        "key ARN: 'team key'"
    ]


def _long_condition(chars: int) -> str:
    cond = "Condition: {StringEquals: {'aws:PrincipalTag/team': '%s'}}" % ("é" * chars)
    return _statements(f"{PULL % 'arn:aws:iam::111122223333:root'}, {cond}")


def test_a_policy_length_counts_characters_as_sent(tmp_path: Path) -> None:
    # 3,000 'é' are 18,000 characters as \\u escapes, but ECR receives (and counts) 3,000
    assert issues_of(tmp_path, _long_condition(3_000)) == []
    (issue,) = issues_of(tmp_path, _long_condition(10_240))
    assert issue.startswith("7:7: repository_policies.p.document: the policy is 10,")
    assert issue.endswith("characters; ECR allows 10,240")


def test_documents_are_sent_as_the_text_validation_measured() -> None:
    from regform.providers.ecr.mapping import dump_document

    doc = {"Version": "2012-10-17", "Statement": [{"Sid": "équipe", "Effect": "Allow"}]}
    assert (
        dump_document(doc)
        == '{"Version":"2012-10-17","Statement":[{"Sid":"équipe","Effect":"Allow"}]}'
    )


def _settings(tmp_path: Path, settings: str) -> list[str]:
    path = tmp_path / "regform.yaml"
    path.write_text(
        "version: 1\nregistries:\n  prod:\n    provider: ecr\n    region: us-east-1\n"
        "    settings:\n" + settings
    )
    return [str(issue).replace(f"{path}:", "") for issue in check_config([path]).issues]


def test_replication_rules_with_and_without_filters_or_destinations_validate(
    tmp_path: Path,
) -> None:
    settings = (
        "      replication:\n        rules:\n"
        "          - {destinations: [{region: eu-west-1, registry_id: '111122223333'}]}\n"
        "          - {destinations: [{region: eu-west-2, registry_id: '111122223333'}],"
        " filters: []}\n"
        "          - {destinations: [], filters: [team-a/]}\n"
    )
    assert _settings(tmp_path, settings) == []


def test_a_template_with_kms_and_no_key_needs_no_custom_role(tmp_path: Path) -> None:
    settings = (
        "      creation_templates:\n"
        "        team/: {applied_for: [PULL_THROUGH_CACHE], encryption: {type: KMS}}\n"
    )
    assert _settings(tmp_path, settings) == []


def test_a_template_with_a_kms_key_and_no_custom_role_is_a_located_error(
    tmp_path: Path,
) -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    settings = (
        "      creation_templates:\n"
        "        team/:\n          applied_for: [REPLICATION]\n"
        f"          encryption: {{type: KMS, kms_key: '{key}'}}\n"
    )
    assert _settings(tmp_path, settings) == [
        "9:11: registries.prod.settings.creation_templates.team/.custom_role_arn: is required "
        "when the template sets tags or a KMS key (ECR assumes this role to apply them)"
    ]


def test_a_template_repository_policy_is_checked_as_ecr_checks_it(tmp_path: Path) -> None:
    settings = (
        "      creation_templates:\n        team/:\n          applied_for: [REPLICATION]\n"
        "          repository_policy:\n            Version: '2012-10-17'\n"
        "            Statement:\n"
        "              - {Sid: any text, Effect: Allow, Principal: {AWS: '12345'}, Action: '*'}\n"
    )
    assert _settings(tmp_path, settings) == [
        "13:65: registries.prod.settings.creation_templates.team/.repository_policy.Statement[0]"
        ".Principal.AWS: an account id is 12 digits; got '12345' (5 digits)"
    ]
