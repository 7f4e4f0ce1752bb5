"""Every file under bad/ is rejected with exactly the issues in its .errors.txt (file:line:col)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regform.config import validate_paths

BAD = Path(__file__).parent / "bad"
#: the environment the corpus is checked with (the host environment never leaks in)
ENV = {"REGFORM_TEST_SET": "team-a", "REGFORM_TEST_PROFILE": "ops"}
EXPECTED = sorted(BAD.glob("*.errors.txt"))


def _source(expected: Path) -> str:
    stem = expected.name.removesuffix(".errors.txt")
    for candidate in (f"{stem}.yaml", f"{stem}.yml", stem):
        if (BAD / candidate).exists():
            return candidate
    raise AssertionError(f"{expected.name} has no config beside it")


def test_corpus_is_large_and_paired() -> None:
    configs = {p.name.rsplit(".", 1)[0] for p in BAD.iterdir() if p.suffix in (".yaml", ".yml")}
    configs |= {p.name for p in BAD.iterdir() if p.is_dir()}
    expected = {p.name.removesuffix(".errors.txt") for p in EXPECTED}
    assert configs == expected
    assert len(expected) >= 30


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name.removesuffix(".errors.txt"))
def test_bad_config_reports_exact_issues(expected: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    issues = validate_paths([_source(expected)], env=ENV)
    assert issues, "a bad config must not validate"
    assert "".join(f"{issue}\n" for issue in issues) == expected.read_text()
