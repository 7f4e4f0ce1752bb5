"""`regform show` of a plan file someone crafted: what it prints cannot pass for regform's own
lines. A line break, a carriage return or a terminal escape sequence in any string of the plan
(a name, a readable line, a note, a preview's images, a warning) is shown escaped, as it would
reach a terminal; the words a preview speaks in must be short and plain, or the file is refused
naming the field, with no traceback and no more than an excerpt of the value."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from regform.cli import app

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart"
FAKE = "    - team-a/payments  will be deleted"


@pytest.fixture
def plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A plan of the quick start (6 creates, previews in ECR's words), saved as plan.json."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path / "sandbox"))
    shutil.copytree(QUICKSTART, tmp_path / "quickstart")
    result = CliRunner().invoke(app, ["plan", "-c", "quickstart", "--out", "plan.json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(Path("plan.json").read_text())
    return data


def _show(data: dict[str, Any], fmt: str) -> Any:
    Path("crafted.json").write_text(json.dumps(data))
    # color=True: escape sequences reach the output as they would reach a terminal
    return CliRunner().invoke(app, ["show", "crafted.json", "--format", fmt], color=True)


def _with_preview(data: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in data["changes"] if c.get("preview"))


def craft(data: dict[str, Any]) -> None:
    change = _with_preview(data)
    field = next(f for f in change["fields"] if f.get("display"))
    field["display"] = ["+ rules[1]: untagged\x1b[1A\x1b[2K", f"+ rules[2]: keep\n{FAKE}"]
    change["notes"] = [f"note\r{FAKE}"]
    change["preview"].update(total=3, expire=1, keep=2)
    change["preview"]["sample"] = [
        {
            "digest": "sha256:" + "a" * 64,
            "tags": [f"v1\n{FAKE}", "\x1b]0;title\x07"],
            "pushed_at": "2024-01-01T00:00:00+00:00",
            "action": "expire",
            "rule_priority": 1,
        }
    ]
    data["changes"][-1]["name"] = "web/x\x1b[8m"
    data["warnings"] = [f"careful\n{FAKE}"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_control_characters_anywhere_in_a_plan_are_shown_escaped(
    plan: dict[str, Any], fmt: str
) -> None:
    craft(plan)

    result = _show(plan, fmt)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert not any(c in out for c in "\x1b\x07\r\x08"), repr(out)
    assert not any(line.strip() == FAKE.strip() for line in out.splitlines())
    assert f"keep\\n{FAKE}" in out and "untagged\\x1b[1A\\x1b[2K" in out
    assert f"note\\r{FAKE}" in out and "v1\\n    - team-a/payments" in out
    assert "web/x\\x1b[8m" in out and f"careful\\n{FAKE}" in out


@pytest.mark.parametrize(
    ("word", "value", "problem"),
    [
        ("remove", "expire\x1b[2K", "'expire\\x1b[2K' holds a control character or a line break"),
        ("items", "images\n- x", "'images\\n- x' holds a control character or a line break"),
        ("archive", "archive\r", "'archive\\r' holds a control character or a line break"),
        ("item", "x" * 1_000_000, "'xxxx"),
        ("policy", 5, "5 is not of type 'string'"),
        ("holder", "", "'' should be non-empty"),
    ],
)
def test_preview_words_that_are_not_plain_words_are_refused(
    plan: dict[str, Any], word: str, value: Any, problem: str
) -> None:
    _with_preview(plan)["preview"]["words"][word] = value
    where = plan["changes"].index(_with_preview(plan))

    result = _show(plan, "text")

    assert result.exit_code == 1
    assert result.stdout == ""
    message = result.stderr
    assert message.startswith(
        f"Error: crafted.json: changes[{where}].preview.words.{word}: not a regform plan: "
    ), message
    assert problem in message
    assert len(message) < 300 and "Traceback" not in message


def test_a_1_3_plan_without_words_shows_in_ecr_words(plan: dict[str, Any]) -> None:
    plan["format_version"] = "1.3"
    for change in plan["changes"]:
        if change.get("preview"):
            del change["preview"]["words"]

    result = _show(plan, "text")

    assert result.exit_code == 0, result.output
    assert "# lifecycle preview: 0 images (new repository)" in result.stdout


@pytest.mark.parametrize(
    ("version", "problem"),
    [
        (
            "2.0",
            "crafted.json: plan format_version '2.0' is not supported (this regform reads 1.x)",
        ),
        ("1.4\n", "crafted.json: format_version: not a regform plan: '1.4\\n' holds a control"),
        (1.4, "crafted.json: format_version: not a regform plan: 1.4 is not of type 'string'"),
        ("9" * 5000, "crafted.json: plan format_version '9999"),
    ],
)
def test_an_unknown_format_version_is_named(
    plan: dict[str, Any], version: Any, problem: str
) -> None:
    plan["format_version"] = version

    result = _show(plan, "text")

    assert result.exit_code == 1
    assert problem in result.stderr and len(result.stderr) < 300
