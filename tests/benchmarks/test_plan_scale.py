"""The plan benchmark's machinery at a small size: moto's responses are recorded, the replay
server answers every request regform and the baseline make, the plan against the replay equals
the plan against moto (and the check notices when it does not), and a templated recording reads
like a registry of any size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from plan_scale import Moto, measure, record
from replay_server import Reply
from scale_registry import expected_changes, repositories, template_recording

pytestmark = pytest.mark.server

#: the smallest registry holding every drift kind in every group
N = 180
READS = ("GetLifecyclePolicy", "GetRepositoryPolicy", "ListTagsForResource")


@pytest.fixture(scope="module")
def recorded(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return record(Moto(moto_server), N, tmp_path_factory.mktemp("record"))


def test_the_replay_answers_every_request_and_plans_like_moto(
    recorded: Any, tmp_path: Path
) -> None:
    result = measure(N, recorded.recording, 0.005, tmp_path, None)

    assert result["plan"] == recorded.moto_plan
    assert result["regform"]["changes"] == expected_changes(N) > 0
    assert result["server_regform"]["misses"] == result["server_baseline"]["misses"] == 0
    assert result["regform"]["api_calls"] == {"DescribeRepositories": 1, **dict.fromkeys(READS, N)}
    assert result["baseline"]["api_calls"] == {"DescribeRepositories": N, **dict.fromkeys(READS, N)}
    assert result["server_regform"]["requests"] == 3 * N + 1
    assert 0 < result["server_regform"]["cpu_ms_per_request"] < 5


def test_the_equality_check_notices_a_different_answer(recorded: Any, tmp_path: Path) -> None:
    name = next(r.name for r in repositories(N) if r.drift is None)
    changed = dict(recorded.recording)
    key = next(k for k in changed if "GetLifecyclePolicy" in k and f'"{name}"' in k)
    body = json.loads(changed[key].body)
    body["lifecyclePolicyText"] = json.dumps({"rules": []})
    changed[key] = Reply(200, json.dumps(body).encode())

    result = measure(N, changed, 0.0, tmp_path, None, baseline=False)

    assert result["plan"] != recorded.moto_plan
    assert result["regform"]["changes"] == expected_changes(N) + 1


def test_a_templated_recording_reads_like_a_larger_registry(recorded: Any, tmp_path: Path) -> None:
    n = 2050  # three listing pages
    recording = template_recording(recorded.recording, N, n)

    result = measure(n, recording, 0.0, tmp_path, None, baseline=False)

    assert result["server_regform"]["misses"] == 0
    calls = result["regform"]["api_calls"]
    assert calls == {"DescribeRepositories": 3, **dict.fromkeys(READS, n)}
    assert result["regform"]["changes"] == expected_changes(n)
    names = {c["name"] for c in result["plan"]["changes"]}
    assert names == {r.name for r in repositories(n) if r.drift}
