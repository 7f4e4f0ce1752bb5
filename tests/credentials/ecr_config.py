"""A config with one ECR registry on moto's server (and, optionally, more YAML)."""

from __future__ import annotations

from pathlib import Path

REGION = "us-east-1"
ACCOUNT = "123456789012"
#: the host moto's proxy endpoint names, and the password its token carries.
HOST = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
MOTO_PASSWORD = f"{ACCOUNT}-auth-token"


def write_ecr_config(directory: Path, endpoint: str, extra: str = "", registry: str = "") -> Path:
    path = directory / "regform.yaml"
    path.write_text(
        "version: 1\nregistries:\n"
        f"  prod: {{provider: ecr, region: {REGION}, endpoint_url: '{endpoint}'{registry}}}\n"
        + extra
    )
    return path
