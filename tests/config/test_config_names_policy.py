"""Name rules, brace expansion, scope globs, and the repository-policy compiler."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regform.config.names import BraceError, expand_braces, glob_problem
from regform.documents.policy import compile_policy, validate_policy_document
from regform.model import matches_any as in_scope
from regform.providers.ecr.kind import ecr_name_problem


@pytest.mark.parametrize(
    ("pattern", "names"),
    [
        ("svc", ["svc"]),
        ("svc-{1..3}", ["svc-1", "svc-2", "svc-3"]),
        ("n{08..10}", ["n08", "n09", "n10"]),
        ("n{3..1}", ["n3", "n2", "n1"]),
        ("n{0..10..5}", ["n0", "n5", "n10"]),
        ("{web,worker}", ["web", "worker"]),
        ("{a,b{1,2}}-x", ["a-x", "b1-x", "b2-x"]),
        ("{a,b}/{c,d}", ["a/c", "a/d", "b/c", "b/d"]),
    ],
)
def test_brace_expansion(pattern: str, names: list[str]) -> None:
    assert expand_braces(pattern) == names


@pytest.mark.parametrize("pattern", ["{a", "a}", "{a}", "{}", "{1..}", "{1..100000}", "{1..3..0}"])
def test_bad_brace_patterns(pattern: str) -> None:
    with pytest.raises(BraceError):
        expand_braces(pattern)


@given(st.lists(st.from_regex(r"[a-z0-9]{1,5}", fullmatch=True), min_size=2, max_size=6))
def test_alternatives_expand_to_each_option(options: list[str]) -> None:
    assert expand_braces("p/{" + ",".join(options) + "}") == [f"p/{o}" for o in options]


@pytest.mark.parametrize(
    "name",
    # a__b, a--b, a---b: botocore's RepositoryName pattern joins letters with '__' and '-+'
    ["ab", "team-a/api", "a.b_c-d/e", "x" * 256, "0abc", "team/a/b/c", "a__b", "a--b", "a---b/c"],
)
def test_valid_ecr_names(name: str) -> None:
    assert ecr_name_problem(name) is None


@pytest.mark.parametrize(
    "name",
    ["a", "x" * 257, "A/b", "a___b", "a_-b", "a//b", "-a", "a-", "a/", "a b", "a.-b", "a..b"],
)
def test_invalid_ecr_names(name: str) -> None:
    assert ecr_name_problem(name) is not None


def test_scope_globs() -> None:
    assert in_scope("team-a/x/y", ["team-a/*"])
    assert not in_scope("team-b/x", ["team-a/*"])
    assert in_scope("svc-3", ["svc-[0-9]"])
    assert glob_problem("team-[ab]/*") is None
    assert glob_problem("team-[ab/*") is not None
    assert glob_problem("") is not None


def test_shorthand_compiles_to_a_valid_document() -> None:
    doc = compile_policy({"allow_pull": ["*"], "allow_push": ["123456789012"]})
    assert doc["Statement"][0]["Principal"] == "*"
    assert doc["Statement"][1]["Principal"] == {"AWS": ["arn:aws:iam::123456789012:root"]}
    assert validate_policy_document(doc) == []


def test_policy_document_problems_have_paths() -> None:
    issues = validate_policy_document(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*"}], "X": 1}
    )
    assert [(i.path, i.message) for i in issues] == [
        ("X", "unknown policy key 'X' (allowed: Version, Id, Statement)"),
        ("Statement[0]", "missing Action (or NotAction)"),
    ]
