"""Hostile or broken files generated on the fly: size, alias bombs, encodings, nesting, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from regform.config import validate_paths

REGISTRY = "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n"


def _issues(tmp_path: Path, content: bytes | str, name: str = "c.yaml") -> list[str]:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content)
    else:
        path.write_bytes(content)
    return [str(i) for i in validate_paths([path], env={})]


def test_file_over_5_mib_is_refused_without_parsing(tmp_path: Path) -> None:
    content = REGISTRY + "#" * (5 * 1024 * 1024)
    size = len(content.encode())
    assert _issues(tmp_path, content) == [
        f"{tmp_path}/c.yaml: file is {size:,} bytes; regform reads config files up to 5 MiB"
    ]


def test_billion_laughs_is_reported_not_expanded(tmp_path: Path) -> None:
    lines = [
        "version: 1",
        'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    issues = _issues(tmp_path, "\n".join(lines) + "\n")
    assert issues == [
        f"{tmp_path}/c.yaml:7:5: the document expands to more than 1,000,000 values (alias bomb?)"
    ]


def test_too_many_alias_references(tmp_path: Path) -> None:
    refs = ", ".join(["*one"] * 10_001)
    issues = _issues(tmp_path, f"version: 1\nx: &one 1\ny: [{refs}]\n")
    assert len(issues) == 1
    assert issues[0].endswith("more than 10,000 alias expansions (alias bomb?)")


def test_wide_alias_bomb_hits_the_value_limit(tmp_path: Path) -> None:
    # a few aliases of a list of 200,000 values: the expanded-value limit stops it
    base = ", ".join(["x"] * 1_000)
    mid = ", ".join(["*b"] * 200)
    content = f"version: 1\nbase: &b [{base}]\nmid: &m [{mid}]\nc: [*m, *m, *m, *m, *m]\n"
    issues = _issues(tmp_path, content)
    assert issues == [
        f"{tmp_path}/c.yaml:3:6: the document expands to more than 1,000,000 values (alias bomb?)"
    ]


def test_merge_keys_and_aliases_in_normal_use_are_fine(tmp_path: Path) -> None:
    entries = "".join(f"  - {{<<: *team, name: team-a/svc-{i}}}\n" for i in range(300))
    content = (
        REGISTRY + "x-team: &team {tags: {team: a}, scan_on_push: true}\nrepositories:\n" + entries
    )
    # the anchor holder is an unknown top-level key: that, and only that, is reported
    assert _issues(tmp_path, content) == [f"{tmp_path}/c.yaml:4:1: x-team: unknown key 'x-team'"]


def test_non_utf8_bytes_are_located(tmp_path: Path) -> None:
    content = REGISTRY.encode() + b"repositories:\n  - name: caf\xe9/api\n"
    offset = content.index(b"\xe9")
    assert _issues(tmp_path, content) == [
        f"{tmp_path}/c.yaml:5:14: not UTF-8: byte 0xe9 at offset {offset}"
    ]


def test_control_characters_are_located(tmp_path: Path) -> None:
    content = REGISTRY + "repositories:\n  - name: a\x00b\n"
    assert _issues(tmp_path, content) == [
        f"{tmp_path}/c.yaml:5:12: character U+0000 is not allowed in YAML"
    ]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    assert _issues(tmp_path, b"\xef\xbb\xbf" + REGISTRY.encode()) == []


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    content = "version: 1\nx: " + "[" * 200 + "]" * 200 + "\n"
    issues = _issues(tmp_path, content)
    assert issues == [f"{tmp_path}/c.yaml:2:68: nesting deeper than 64 levels"]


def test_repository_policy_over_10240_characters(tmp_path: Path) -> None:
    roles = ", ".join(f'"arn:aws:iam::123456789012:role/reader-{i:04d}"' for i in range(300))
    content = REGISTRY + f"repository_policies:\n  big:\n    allow_pull: [{roles}]\n"
    issues = _issues(tmp_path, content)
    assert len(issues) == 1
    assert issues[0].startswith(f"{tmp_path}/c.yaml:6:5: repository_policies.big: the policy is ")
    assert issues[0].endswith(" characters; ECR allows 10,240")


def test_lifecycle_policy_over_50_rules(tmp_path: Path) -> None:
    rules = "".join(
        f"    - {{tag_prefixes: [p{i}-], older_than_days: {i + 1}}}\n" for i in range(51)
    )
    content = REGISTRY + "lifecycle_policies:\n  many:\n" + rules
    issues = _issues(tmp_path, content)
    assert len(issues) == 1
    assert issues[0].startswith(f"{tmp_path}/c.yaml:6:5: lifecycle_policies.many: ")
    assert "50" in issues[0]


@pytest.mark.parametrize("missing", ["a/b.yaml", "nowhere"])
def test_missing_paths_are_reported(tmp_path: Path, missing: str) -> None:
    issues = validate_paths([tmp_path / missing], env={})
    assert [str(i) for i in issues] == [f"{tmp_path / missing}: no such file or directory"]


def test_directory_without_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    issues = validate_paths([tmp_path], env={})
    assert [str(i) for i in issues] == [f"{tmp_path}: no *.yaml or *.yml files in this directory"]
