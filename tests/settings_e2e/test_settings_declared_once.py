"""A registry-level setting is declared once per account and region: a second declaration
anywhere in the config is a validation error naming both places."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from regform.cli import app
from regform.config import validate_paths

PROD = """
version: 1
registries:
  prod:
    provider: ecr
    region: us-east-1
    account_id: "111111111111"
    settings:
      scanning: {scan_type: ENHANCED}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def messages(*paths: Path) -> list[str]:
    return [str(issue) for issue in validate_paths(list(paths))]


def test_two_registries_of_one_account_and_region_cannot_both_declare_a_setting(
    tmp_path: Path,
) -> None:
    a = write(tmp_path, "a.yaml", PROD)
    b = write(
        tmp_path,
        "b.yaml",
        "version: 1\nregistries:\n"
        "  prod-team-b:\n"
        "    provider: ecr\n"
        "    region: us-east-1\n"
        "    role_arn: arn:aws:iam::111111111111:role/regform\n"
        "    settings:\n"
        "      scanning: {scan_type: BASIC}\n",
    )
    (message,) = messages(a, b)
    assert message.startswith(f"{b}:8:7: registries.prod-team-b.settings.scanning: ")
    assert "settings.scanning is declared twice for account 111111111111, region us-east-1" in (
        message
    )
    assert f"registry 'prod' ({a}:9)" in message
    assert f"registry 'prod-team-b' ({b}:8)" in message

    result = CliRunner().invoke(app, ["validate", str(a), str(b)])
    assert result.exit_code == 1
    assert "declared twice" in result.stdout


def test_the_default_credentials_in_one_region_are_one_registry(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "regform.yaml",
        "version: 1\nregistries:\n"
        "  a: {provider: ecr, region: eu-west-1, settings: {registry_policy: none}}\n"
        "  b: {provider: ecr, region: eu-west-1, settings: {registry_policy: none}}\n"
        "  c: {provider: ecr, region: eu-west-1, profile: other,\n"
        "      settings: {registry_policy: none}}\n",
    )
    (message,) = messages(config)
    assert "settings.registry_policy is declared twice for region eu-west-1 with the default" in (
        message
    )
    assert "registry 'a'" in message and "registry 'b'" in message


def test_other_accounts_regions_and_kinds_are_independent(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "regform.yaml",
        PROD + "  prod-eu:\n"  # same account, another region
        "    provider: ecr\n"
        "    region: eu-west-1\n"
        '    account_id: "111111111111"\n'
        "    settings:\n"
        "      scanning: {scan_type: ENHANCED}\n"
        "  staging:\n"  # same region, another account
        "    provider: ecr\n"
        "    region: us-east-1\n"
        '    account_id: "222222222222"\n'
        "    settings:\n"
        "      scanning: {scan_type: ENHANCED}\n"
        "  prod-replication:\n"  # same account and region, another kind
        "    provider: ecr\n"
        "    region: us-east-1\n"
        '    account_id: "111111111111"\n'
        "    settings:\n"
        "      replication: {rules: []}\n",
    )
    assert messages(config) == []


def test_one_registry_declared_in_two_files_names_both(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", PROD)
    b = write(tmp_path, "b.yaml", PROD.replace("ENHANCED", "BASIC"))
    (message,) = messages(a, b)
    assert f"registry 'prod' is defined twice: {a}:5 and {b}:5" in message
