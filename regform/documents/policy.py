"""Repository policies: the config shorthand compiled to IAM documents, and IAM document checks.

Shorthand (``repository_policies.<name>`` in the config)::

    allow_pull: ["444455556666", "arn:aws:iam::111122223333:role/eks-nodes", "lambda.amazonaws.com"]
    allow_push: [...]
    statements: [ {raw IAM statement}, ... ]      # appended after the generated ones

or ``document: {whole raw IAM policy}``. A principal is a 12-digit account id (its root), an IAM
user/role ARN, an AWS service principal (``*.amazonaws.com``) or ``"*"``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
PUSH_ACTIONS: tuple[str, ...] = (
    *PULL_ACTIONS,
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
PULL_SID = "RegformPull"
PUSH_SID = "RegformPush"
#: ECR's limit on repository policy text
MAX_POLICY_CHARS = 10_240
VERSIONS = ("2012-10-17", "2008-10-17")

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_IAM_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:(root|(user|role)/[A-Za-z0-9+=,.@_/-]+)$")
_STS_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:sts::[0-9]{12}:(assumed-role|federated-user)/[A-Za-z0-9+=,.@_/-]+$"
)
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$")
_ACTION = re.compile(r"^(\*|[a-zA-Z0-9-]+:[A-Za-z0-9*?]+)$")
#: an IAM unique id of a user (AIDA...) or role (AROA...): IAM writes it in place of the ARN of a
#: principal that was deleted, and GetRepositoryPolicy returns it so
_UNIQUE_ID = re.compile(r"^A(ID|RO)A[A-Z0-9]{16,124}$")
_STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
_PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    #: path inside the document ("Statement[1].Principal.AWS[0]"; "" for the whole document)
    path: str
    message: str


def _join(base: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part


# Shorthand --------------------------------------------------------------------------------


def principal_problem(value: Any) -> str | None:
    """Why a shorthand principal is invalid (None when valid)."""
    if not isinstance(value, str):
        return "a principal is a string"
    if value == "*" or _ACCOUNT.match(value) or _SERVICE.match(value):
        return None
    if _IAM_ARN.match(value) or _STS_ARN.match(value):
        return None
    if value.isdigit():
        return f"an account id is 12 digits; got '{value}' ({len(value)} digits)"
    if value.startswith("arn:"):
        return f"not an IAM user or role ARN (arn:aws:iam::123456789012:role/name); got '{value}'"
    return (
        "a principal is a 12-digit account id, an IAM user/role ARN, a service principal "
        f"(name.amazonaws.com) or '*'; got '{value}'"
    )


def _principal(values: Sequence[str]) -> Any:
    if "*" in values:
        return "*"
    aws = [
        f"arn:aws:iam::{v}:root" if _ACCOUNT.match(v) else v
        for v in values
        if not _SERVICE.match(v)
    ]
    services = [v for v in values if _SERVICE.match(v)]
    out: dict[str, list[str]] = {}
    if aws:
        out["AWS"] = aws
    if services:
        out["Service"] = services
    return out


def compile_policy(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The IAM document a ``repository_policies`` entry stands for."""
    if "document" in spec:
        return dict(spec["document"])
    statements: list[Any] = []
    for key, sid, actions in (
        ("allow_pull", PULL_SID, PULL_ACTIONS),
        ("allow_push", PUSH_SID, PUSH_ACTIONS),
    ):
        principals = list(spec.get(key) or ())
        if principals:
            statements.append(
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": _principal(principals),
                    "Action": list(actions),
                }
            )
    statements.extend(spec.get("statements") or ())
    return {"Version": "2012-10-17", "Statement": statements}


# Validation -------------------------------------------------------------------------------


def validate_policy_document(doc: Any) -> list[PolicyIssue]:
    """Every problem ECR/IAM would reject in a repository policy, in document order."""
    if not isinstance(doc, Mapping):
        return [PolicyIssue("", "a policy document is a mapping with Version and Statement")]
    issues: list[PolicyIssue] = []
    for key in doc:
        if key not in ("Version", "Id", "Statement"):
            issues.append(
                PolicyIssue(
                    str(key), f"unknown policy key '{key}' (allowed: Version, Id, Statement)"
                )
            )
    version = doc.get("Version")
    if version is None:
        issues.append(PolicyIssue("", 'missing Version (use "2012-10-17")'))
    elif version not in VERSIONS:
        issues.append(
            PolicyIssue(
                "Version", f'Version must be "2012-10-17" (or "2008-10-17"); got {version!r}'
            )
        )
    statement = doc.get("Statement")
    if statement is None:
        issues.append(PolicyIssue("", "missing Statement"))
        return issues
    if isinstance(statement, Mapping):
        issues.extend(validate_statement(statement, "Statement"))
    elif isinstance(statement, list):
        if not statement:
            issues.append(PolicyIssue("Statement", "Statement must not be empty"))
        for i, stmt in enumerate(statement):
            issues.extend(validate_statement(stmt, f"Statement[{i}]"))
    else:
        issues.append(
            PolicyIssue("Statement", "Statement is a statement mapping or a list of them")
        )
    # counted as sent: compact JSON, characters beyond ASCII as themselves
    length = len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
    if length > MAX_POLICY_CHARS:
        issues.append(
            PolicyIssue("", f"the policy is {length:,} characters; ECR allows {MAX_POLICY_CHARS:,}")
        )
    return issues


def validate_statement(stmt: Any, path: str) -> list[PolicyIssue]:
    if not isinstance(stmt, Mapping):
        return [PolicyIssue(path, "a statement is a mapping")]
    issues: list[PolicyIssue] = []
    for key in stmt:
        if key not in _STATEMENT_KEYS:
            issues.append(PolicyIssue(_join(path, str(key)), f"unknown statement key '{key}'"))
    # ECR takes any text as a Sid (spaces and punctuation included) and repeated Sids alike
    if "Sid" in stmt and not isinstance(stmt["Sid"], str):
        issues.append(PolicyIssue(_join(path, "Sid"), "a Sid is a string"))
    effect = stmt.get("Effect")
    if effect is None:
        issues.append(PolicyIssue(path, "missing Effect (Allow or Deny)"))
    elif effect not in ("Allow", "Deny"):
        issues.append(
            PolicyIssue(_join(path, "Effect"), f"Effect must be Allow or Deny; got {effect!r}")
        )
    issues.extend(_exactly_one(stmt, path, "Principal", "NotPrincipal"))
    for key in ("Principal", "NotPrincipal"):
        if key in stmt:
            issues.extend(_check_principal(stmt[key], _join(path, key)))
    issues.extend(_exactly_one(stmt, path, "Action", "NotAction"))
    for key in ("Action", "NotAction"):
        if key in stmt:
            issues.extend(_check_strings(stmt[key], _join(path, key), _action_problem))
    for key in ("Resource", "NotResource"):
        if key in stmt:
            issues.extend(_check_strings(stmt[key], _join(path, key), lambda _v: None))
    if "Condition" in stmt:
        issues.extend(_check_condition(stmt["Condition"], _join(path, "Condition")))
    return issues


def _exactly_one(stmt: Mapping[str, Any], path: str, a: str, b: str) -> list[PolicyIssue]:
    if a in stmt and b in stmt:
        return [PolicyIssue(path, f"a statement has {a} or {b}, not both")]
    if a not in stmt and b not in stmt:
        return [PolicyIssue(path, f"missing {a} (or {b})")]
    return []


def _action_problem(value: str) -> str | None:
    if _ACTION.match(value):
        return None
    return f"an action looks like 'ecr:BatchGetImage' or '*'; got '{value}'"


def _aws_principal_problem(value: str) -> str | None:
    if value == "*" or _ACCOUNT.match(value) or _IAM_ARN.match(value) or _STS_ARN.match(value):
        return None
    if _UNIQUE_ID.match(value):
        return None
    return (
        principal_problem(value)
        if value.isdigit() or value.startswith("arn:")
        else (f"an AWS principal is a 12-digit account id, an IAM ARN or '*'; got '{value}'")
    )


def _service_problem(value: str) -> str | None:
    return (
        None
        if _SERVICE.match(value)
        else f"a service principal looks like 'lambda.amazonaws.com'; got '{value}'"
    )


def _check_principal(value: Any, path: str) -> list[PolicyIssue]:
    if value == "*":
        return []
    if not isinstance(value, Mapping) or not value:
        return [
            PolicyIssue(
                path, 'a principal is "*" or a mapping like {AWS: [...]} / {Service: [...]}'
            )
        ]
    issues: list[PolicyIssue] = []
    for kind, entries in value.items():
        sub = _join(path, str(kind))
        if kind == "AWS":
            issues.extend(_check_strings(entries, sub, _aws_principal_problem))
        elif kind == "Service":
            issues.extend(_check_strings(entries, sub, _service_problem))
        elif kind in _PRINCIPAL_KINDS:
            issues.extend(_check_strings(entries, sub, lambda _v: None))
        else:
            issues.append(
                PolicyIssue(
                    sub, f"unknown principal type '{kind}' (AWS, Service, Federated, CanonicalUser)"
                )
            )
    return issues


def _check_strings(value: Any, path: str, problem: Any) -> list[PolicyIssue]:
    if isinstance(value, str):
        msg = problem(value)
        return [PolicyIssue(path, msg)] if msg else []
    if not isinstance(value, list) or not value:
        return [PolicyIssue(path, "expected a string or a non-empty list of strings")]
    issues: list[PolicyIssue] = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            issues.append(PolicyIssue(f"{path}[{i}]", "expected a string"))
            continue
        msg = problem(item)
        if msg:
            issues.append(PolicyIssue(f"{path}[{i}]", msg))
    return issues


def _check_condition(value: Any, path: str) -> list[PolicyIssue]:
    if not isinstance(value, Mapping) or not value:
        return [PolicyIssue(path, "a Condition maps operators to {key: value} mappings")]
    issues: list[PolicyIssue] = []
    for op, body in value.items():
        if not isinstance(body, Mapping) or not body:
            issues.append(
                PolicyIssue(
                    _join(path, str(op)),
                    f"condition operator '{op}' needs a {{key: value}} mapping",
                )
            )
            continue
        for key, cond in body.items():
            ok = isinstance(cond, str | int | float | bool) or (
                isinstance(cond, list)
                and all(isinstance(c, str | int | float | bool) for c in cond)
            )
            if not ok:
                issues.append(
                    PolicyIssue(
                        _join(_join(path, str(op)), str(key)),
                        "a condition value is a string, number, boolean or a list of them",
                    )
                )
    return issues
