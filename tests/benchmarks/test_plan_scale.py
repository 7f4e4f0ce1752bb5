"""The plan benchmark's machinery at a small size: moto's responses are recorded, the replay
server answers every request regform and the baseline make, the plan against the replay equals
the plan against moto (and the check notices when it does not), and a templated recording reads
like a registry of any size."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from plan_scale import Moto, Settings, measure, record
from replay_server import Reply
from scale_registry import expected_changes, repositories, template_recording

pytestmark = pytest.mark.server

#: the smallest registry holding every drift kind in every group
N = 180
READS = ("GetLifecyclePolicy", "GetRepositoryPolicy", "ListTagsForResource")


@pytest.fixture(scope="module")
def recorded(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return record(Moto(moto_server), N, tmp_path_factory.mktemp("record"))


def _by_tool(runs: list[Any]) -> dict[str, Any]:
    return {run.tool: run for run in runs}


def test_the_replay_answers_every_request_and_plans_like_moto(
    recorded: Any, tmp_path: Path
) -> None:
    settings = Settings(latency=0.005, parallelisms=(4,))
    runs = _by_tool(
        measure(N, recorded.recording, tmp_path, settings, moto_plan=recorded.moto_plan)
    )
    ours, base = runs["regform"], runs["baseline"]

    assert ours.plan == recorded.moto_plan
    assert ours.plan_equals_moto is True
    assert ours.parallelism == base.parallelism == 4
    assert ours.figures["changes"] == expected_changes(N) > 0
    for run in (ours, base):
        assert run.server["misses"] == run.server["rejected"] == run.server["throttled"] == 0
    assert ours.server["by_operation"] == {"DescribeRepositories": 1, **dict.fromkeys(READS, N)}
    assert base.server["by_operation"] == {"DescribeRepositories": N, **dict.fromkeys(READS, N)}
    assert ours.server["requests"] == 3 * N + 1
    assert 0 < ours.server["cpu_ms_per_request"] < 5


def test_the_equality_check_notices_a_different_answer(recorded: Any, tmp_path: Path) -> None:
    name = next(r.name for r in repositories(N) if r.drift is None)
    changed = dict(recorded.recording)
    key = next(k for k in changed if "GetLifecyclePolicy" in k and f'"{name}"' in k)
    body = json.loads(changed[key].body)
    body["lifecyclePolicyText"] = json.dumps({"rules": []})
    changed[key] = Reply(200, json.dumps(body).encode())

    settings = Settings(parallelisms=(4,))
    runs = measure(N, changed, tmp_path, settings, moto_plan=recorded.moto_plan, baseline=False)

    assert [r.plan_equals_moto for r in runs] == [False]
    assert runs[0].figures["changes"] == expected_changes(N) + 1


def test_a_templated_recording_reads_like_a_larger_registry(recorded: Any, tmp_path: Path) -> None:
    n = 2050  # three listing pages
    recording = template_recording(recorded.recording, N, n)

    (ours,) = measure(n, recording, tmp_path, Settings(parallelisms=(16,)), baseline=False)

    assert ours.server["misses"] == 0
    assert ours.server["by_operation"] == {"DescribeRepositories": 3, **dict.fromkeys(READS, n)}
    assert ours.figures["changes"] == expected_changes(n)
    names = {c["name"] for c in ours.plan["changes"]}
    assert names == {r.name for r in repositories(n) if r.drift}
