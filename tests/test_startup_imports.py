"""The fixed cost of a command: `regform --help` loads neither the AWS SDK, nor the emulator, nor
the config checker; `regform validate` loads no AWS SDK and no emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("botocore", "boto3", "moto", "jsonschema", "regform.lifecycle", "regform.config")

PROBE = """
import json, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
from regform.cli import main
sys.argv = ["regform", *args]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
"""


def _loaded(*args: str) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args)), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    return list(json.loads(run.stderr.strip().splitlines()[-1]))


def test_help_loads_no_sdk_emulator_or_config_checker() -> None:
    assert _loaded("--help") == []


@pytest.mark.parametrize("command", ["plan", "apply", "drift", "import", "validate"])
def test_a_commands_help_loads_none_of_them_either(command: str) -> None:
    assert _loaded(command, "--help") == []


def test_validate_loads_no_sdk_and_no_emulator() -> None:
    loaded = _loaded("validate", "examples/org-500")
    assert "regform.config" in loaded  # it did validate
    assert [m for m in loaded if m in ("botocore", "boto3", "moto")] == []


def test_validate_of_a_valid_config_loads_no_jsonschema() -> None:
    # importing jsonschema loads every format checker installed, which can cost more than
    # checking the whole config; a config the fast check proves valid does not need it
    assert "jsonschema" not in _loaded("validate", "examples/org-500")
