"""Two documents that mean the same to IAM or ECR compare equal; documents that differ do not."""

from __future__ import annotations

from typing import Any

import pytest

from regform import model as m
from regform.documents.docdiff import diff_documents
from regform.documents.normalize import display_form, field_equal
from regform.model import Encryption

ROLE_A = "arn:aws:iam::111111111111:role/ci"
ROLE_B = "arn:aws:iam::222222222222:role/deploy"


def policy(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc["Version"] = version
    return doc


def pull(principals: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Sid": "Pull",
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        **extra,
    }


def same_policy(a: Any, b: Any) -> bool:
    return field_equal(m.REPOSITORY_POLICY, a, b)


def same_lifecycle(a: Any, b: Any) -> bool:
    return field_equal(m.LIFECYCLE_POLICY, a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            policy(pull([ROLE_A, ROLE_B])), policy(pull([ROLE_B, ROLE_A])), id="principal-order"
        ),
        pytest.param(
            policy(pull(["111111111111"])),
            policy(pull(["arn:aws:iam::111111111111:root"])),
            id="account-id-vs-root-arn",
        ),
        pytest.param(
            policy(pull("arn:aws-cn:iam::111111111111:root")),
            policy(pull("111111111111")),
            id="root-arn-other-partition",
        ),
        pytest.param(policy(pull(ROLE_A)), policy(pull([ROLE_A])), id="single-string-vs-list"),
        pytest.param(policy(pull([ROLE_A, ROLE_A])), policy(pull([ROLE_A])), id="duplicates"),
        pytest.param(
            policy(pull(ROLE_A, Action="ecr:BatchGetImage")),
            policy(pull(ROLE_A, Action=["ECR:batchGetImage"])),
            id="action-case-and-singleton",
        ),
        pytest.param(
            policy(pull(ROLE_A), {"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}),
            policy({"Effect": "Deny", "Principal": "*", "Action": "ecr:*"}, pull(ROLE_A)),
            id="statement-order",
        ),
        pytest.param(
            policy(pull(ROLE_A)),
            {"Version": "2012-10-17", "Statement": {**pull(ROLE_A), "Sid": "Other"}},
            id="sid-and-single-statement-object",
        ),
        pytest.param(policy(pull(ROLE_A)), policy(pull(ROLE_A), version=None), id="no-version"),
        pytest.param(
            policy(pull(ROLE_A), version="2008-10-17"),
            policy(pull(ROLE_A), version="2012-10-17"),
            id="versions-without-variables",
        ),
        pytest.param(
            policy(
                pull(ROLE_A, Condition={"StringEquals": {"aws:PrincipalOrgID": ["o-b", "o-a"]}})
            ),
            policy(
                pull(ROLE_A, Condition={"StringEquals": {"aws:PrincipalOrgID": ["o-a", "o-b"]}})
            ),
            id="condition-value-order",
        ),
        pytest.param(
            policy(pull(ROLE_A, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a"}})),
            policy(pull(ROLE_A, Condition={"StringEquals": {"aws:PrincipalOrgID": ["o-a"]}})),
            id="condition-singleton",
        ),
    ],
)
def test_equivalent_policies_compare_equal(a: Any, b: Any) -> None:
    assert same_policy(a, b)
    assert same_policy(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        pytest.param(
            policy({"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage"}),
            policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:BatchGetImage"}),
            id="star-vs-aws-star",
        ),
        pytest.param(policy(pull(ROLE_A)), policy(pull([ROLE_A, ROLE_B])), id="extra-principal"),
        pytest.param(
            policy(pull("111111111111")),
            policy(pull("arn:aws:iam::111111111111:user/root")),
            id="account-vs-user-named-root",
        ),
        pytest.param(
            policy(pull(ROLE_A, Resource="arn:aws:ecr:*:*:repository/${aws:username}")),
            policy(
                pull(ROLE_A, Resource="arn:aws:ecr:*:*:repository/${aws:username}"),
                version="2008-10-17",
            ),
            id="versions-with-variables",
        ),
        pytest.param(
            policy(pull(ROLE_A, Resource="arn:aws:ecr:*:*:repository/${aws:username}")),
            policy(
                pull(ROLE_A, Resource="arn:aws:ecr:*:*:repository/${aws:username}"), version=None
            ),
            id="missing-version-is-2008-with-variables",
        ),
        pytest.param(policy(pull(ROLE_A)), policy({**pull(ROLE_A), "Effect": "Deny"}), id="effect"),
        pytest.param(policy(pull(ROLE_A)), None, id="policy-vs-none"),
    ],
)
def test_different_policies_compare_different(a: Any, b: Any) -> None:
    assert not same_policy(a, b)


def rule(priority: int, **selection: Any) -> dict[str, Any]:
    sel = {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 10}
    sel.update(selection)
    return {"rulePriority": priority, "selection": sel, "action": {"type": "expire"}}


def test_lifecycle_rules_out_of_priority_order_compare_equal() -> None:
    a = {"rules": [rule(1, tagPrefixList=["v"]), rule(2, tagStatus="untagged")]}
    b = {"rules": [rule(2, tagStatus="untagged"), rule(1, tagPrefixList=["v"])]}
    assert same_lifecycle(a, b)


def test_lifecycle_tag_lists_compare_as_sorted() -> None:
    a = {"rules": [rule(1, tagPrefixList=["v", "release"])]}
    b = {"rules": [rule(1, tagPrefixList=["release", "v"])]}
    assert same_lifecycle(a, b)


def test_lifecycle_standard_storage_class_equals_absent_and_nulls_equal_absent() -> None:
    a = {"rules": [rule(1, tagPrefixList=["v"], storageClass="standard")]}
    b = {"rules": [{**rule(1, tagPrefixList=["v"]), "description": None}]}
    assert same_lifecycle(a, b)


def test_lifecycle_archive_storage_class_and_description_are_compared() -> None:
    base = {"rules": [rule(1, tagPrefixList=["v"])]}
    assert not same_lifecycle(
        base, {"rules": [rule(1, tagPrefixList=["v"], storageClass="archive")]}
    )
    assert not same_lifecycle(
        base, {"rules": [{**rule(1, tagPrefixList=["v"]), "description": "x"}]}
    )
    assert not same_lifecycle(base, {"rules": [rule(1, tagPrefixList=["v"], countNumber=11)]})


@pytest.mark.parametrize(
    ("desired", "actual", "equal"),
    [
        (Encryption("AES256"), Encryption(), True),
        (Encryption("AES256", "alias/ignored"), Encryption(), True),
        (
            Encryption("KMS", "arn:aws:kms:us-east-1:1:key/a"),
            Encryption("KMS", "arn:aws:kms:us-east-1:1:key/a"),
            True,
        ),
        (
            Encryption("KMS", "arn:aws:kms:us-east-1:1:key/a"),
            Encryption("KMS", "arn:aws:kms:us-east-1:1:key/b"),
            False,
        ),
        (Encryption("KMS"), Encryption("KMS", "arn:aws:kms:us-east-1:1:key/b"), True),
        (Encryption("KMS"), Encryption(), False),
        (Encryption(), Encryption("KMS", "arn:aws:kms:us-east-1:1:key/b"), False),
    ],
)
def test_encryption(desired: Encryption, actual: Encryption, equal: bool) -> None:
    assert field_equal(m.ENCRYPTION, desired.to_dict(), actual.to_dict()) is equal


def test_tags_ignore_keys_on_both_sides_and_exclusions_are_sets() -> None:
    assert field_equal(m.TAGS, {"a": "1", "x": "2"}, {"a": "1", "x": "3"}, ignore_tags={"x"})
    assert not field_equal(m.TAGS, {"a": "1"}, {"a": "2"}, ignore_tags={"x"})
    assert field_equal(m.MUTABILITY_EXCLUSIONS, ["b*", "a*"], ["a*", "b*", "a*"])
    assert not field_equal(m.MUTABILITY_EXCLUSIONS, ["a*"], ["a*", "b*"])


def test_document_diff_names_the_statement_and_the_principal_added() -> None:
    before = display_form(m.REPOSITORY_POLICY, policy(pull(ROLE_A)))
    after = display_form(m.REPOSITORY_POLICY, policy(pull([ROLE_B, ROLE_A])))
    assert diff_documents(before, after) == (f"~ Statement[Sid=Pull].Principal.AWS: + {ROLE_B}",)


def test_document_diff_of_lifecycle_rules_by_priority() -> None:
    before = {"rules": [rule(1, tagPrefixList=["v"]), rule(2, tagStatus="untagged")]}
    after = {"rules": [rule(1, tagPrefixList=["v"], countNumber=20), rule(3, tagStatus="any")]}
    lines = diff_documents(
        display_form(m.LIFECYCLE_POLICY, before), display_form(m.LIFECYCLE_POLICY, after)
    )
    assert lines[0].startswith("- rules[rulePriority=2]: ")
    assert lines[1] == "~ rules[rulePriority=1].selection.countNumber: 10 -> 20"
    assert lines[2].startswith("+ rules[rulePriority=3]: ")
    assert len(lines) == 3


def test_document_diff_from_nothing_lists_each_statement() -> None:
    lines = diff_documents(None, display_form(m.REPOSITORY_POLICY, policy(pull(ROLE_A))))
    assert lines[0].startswith("+ Statement[Sid=Pull]: {")
    assert lines[1] == '+ Version: "2012-10-17"'
