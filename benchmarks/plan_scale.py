"""``regform plan`` over an ECR registry of N repositories, against a Terraform-style refresh.

Run: python benchmarks/plan_scale.py [--n 1000 --n 10000] [--latency-ms 25] [--quick]

The registry (:mod:`scale_registry`): N repositories, each with a lifecycle policy, a repository
policy and tags, all declared in the config, four in a hundred drifted. For each N it prints, for
``regform plan`` and for a baseline that reads like Terraform's refresh (four calls per repository,
ten at a time, plain boto3): wall time, API calls by operation, calls per repository, client CPU
per call, peak RSS; for regform also the planner's own CPU (the pure diff).

How: moto's server is seeded with the registry through boto3, and every read request regform and
the baseline make is recorded once (the replay server forwarding to moto). The timed runs are then
answered from that recording by :mod:`replay_server` in a separate process, which adds the
latency of a network round trip to every request and costs the client nothing; its own CPU per
call is printed. The plan made against the replay must equal the plan made against moto (printed).

Above ``--moto-max`` repositories (default 2000), seeding moto would take minutes: the recording
is then templated from a smaller registry recorded from moto (each repository answers like the
recorded one of the same group and drift kind, under its own name; the listing is cut into pages
of 1000 as ECR pages it). Each timed run is a fresh process (:mod:`scale_worker`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay_server import Recording, ReplayServer, save_recording
from scale_registry import REGION, expected_changes, template_recording, write_config
from scale_worker import BASELINE_WORKERS

HERE = Path(__file__).resolve().parent
QUICK_N = 200
TEMPLATE_N = 200
#: targets
SPEEDUP_MIN = 3.0
CALLS_PER_REPO_MAX = 3.01
PLANNER_MS_PER_REPO_MAX = 0.2
RSS_MB_MAX = 300.0
SERVER_CPU_MS_MAX = 0.5


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker(*args: str, work: Path) -> dict[str, Any]:
    """Run one measured run in a fresh process; its figures."""
    out = work / f"figures-{time.monotonic_ns()}.json"
    subprocess.run(
        [sys.executable, str(HERE / "scale_worker.py"), *args, "--out", str(out)],
        check=True,
        env=_env(),
        cwd=work,
    )
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def plan_run(
    endpoint: str, n: int, work: Path, name: str, concurrency: int | None
) -> tuple[dict[str, Any], Any]:
    config_dir = write_config(work / f"config-{name}", n, endpoint)
    plan_file = work / f"plan-{name}.json"
    extra = ["--concurrency", str(concurrency)] if concurrency else []
    figures = worker(
        "plan", "--config", str(config_dir), "--plan-out", str(plan_file), *extra, work=work
    )
    return figures, json.loads(plan_file.read_text())


def baseline_run(endpoint: str, n: int, work: Path) -> dict[str, Any]:
    return worker("baseline", "--endpoint", endpoint, "--n", str(n), work=work)


# Recording ----------------------------------------------------------------------------------


class Moto:
    """moto's server on loopback (started here unless ``url`` names a running one), reset and
    seeded per registry size."""

    def __init__(self, url: str | None = None) -> None:
        self._server: Any = None
        if url is not None:
            self.url = url
            return
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()

    def seed(self, n: int, work: Path) -> None:
        import boto3
        import requests
        from botocore.config import Config
        from scale_registry import seed

        from regform.config import load_config

        requests.post(f"{self.url}/moto-api/reset", timeout=30).raise_for_status()
        config = load_config([write_config(work / f"seed-{n}", n, self.url)])
        os.environ.update(_env())
        ecr = boto3.client(
            "ecr", region_name=REGION, endpoint_url=self.url, config=Config(max_pool_connections=8)
        )
        seed(ecr, config, n)

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()


@dataclass
class Recorded:
    n: int
    recording: Recording
    moto_plan: Any  # the plan made directly against moto


def record(moto: Moto, n: int, work: Path) -> Recorded:
    """Seed moto with N repositories; record what regform and the baseline read."""
    t0 = time.perf_counter()
    moto.seed(n, work)
    seeded = time.perf_counter()
    _, moto_plan = plan_run(moto.url, n, work, f"moto-{n}", None)
    with ReplayServer(upstream=moto.url) as proxy:
        plan_run(proxy.url, n, work, f"record-{n}", None)
        recording = proxy.recording()
    partial = save_recording(recording, work / f"partial-{n}.pickle")
    with ReplayServer(recording_file=partial, upstream=moto.url) as proxy:
        baseline_run(proxy.url, n, work)  # only what the plan did not ask for goes to moto
        recording = proxy.recording()
    print(
        f"  moto: seeded {n} repositories in {seeded - t0:.1f} s, recorded {len(recording)} "
        f"responses in {time.perf_counter() - seeded:.1f} s"
    )
    return Recorded(n, recording, moto_plan)


# Measuring ----------------------------------------------------------------------------------


def _delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    requests = after["requests"] - before["requests"]
    cpu = after["cpu_seconds"] - before["cpu_seconds"]
    return {
        "requests": requests,
        "misses": after["misses"] - before["misses"],
        "cpu_ms_per_request": 1000 * cpu / requests if requests else 0.0,
    }


def measure(
    n: int,
    recording: Recording,
    latency: float,
    work: Path,
    concurrency: int | None,
    *,
    baseline: bool = True,
) -> dict[str, Any]:
    """Time the baseline (unless ``baseline`` is false) and regform against the replay."""
    path = save_recording(recording, work / f"replay-{n}.pickle")
    result: dict[str, Any] = {}
    with ReplayServer(recording_file=path, latency=latency) as server:
        s0 = server.stats()
        if baseline:
            result["baseline"] = baseline_run(server.url, n, work)
        s1 = server.stats()
        result["regform"], result["plan"] = plan_run(
            server.url, n, work, f"replay-{n}", concurrency
        )
        s2 = server.stats()
    result["server_baseline"] = _delta(s0, s1)
    result["server_regform"] = _delta(s1, s2)
    return result


# Reporting ----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def report(n: int, latency_ms: float, result: dict[str, Any], equal: bool | None) -> list[str]:
    """Print the figures for one N; the target lines (PASS/FAIL) it decides."""
    ours, base = result["regform"], result["baseline"]
    calls_ours = sum(ours["api_calls"].values())
    calls_base = sum(base["api_calls"].values())
    ops = sorted(set(ours["api_calls"]) | set(base["api_calls"]))
    rows: list[tuple[str, str, str]] = [
        ("wall time (reads + diff)", f"{ours['wall_s']:.2f} s", f"{base['wall_s']:.2f} s"),
        ("API calls", str(calls_ours), str(calls_base)),
    ]
    rows += [
        (f"  {op}", str(ours["api_calls"].get(op, 0)), str(base["api_calls"].get(op, 0)))
        for op in ops
    ]
    rows += [
        ("calls per repository", f"{calls_ours / n:.3f}", f"{calls_base / n:.3f}"),
        ("client CPU", f"{ours['cpu_s']:.2f} s", f"{base['cpu_s']:.2f} s"),
        (
            "client CPU per API call",
            _ms(ours["cpu_s"] / calls_ours),
            _ms(base["cpu_s"] / calls_base),
        ),
        ("planner CPU (pure diff)", f"{_ms(ours['planner_cpu_s'])} total", "-"),
        ("planner CPU per repository", _ms(ours["planner_cpu_s"] / n), "-"),
        ("peak RSS", f"{ours['peak_rss_mb']:.0f} MB", f"{base['peak_rss_mb']:.0f} MB"),
        (
            "replay server CPU per call",
            _ms(result["server_regform"]["cpu_ms_per_request"] / 1000),
            _ms(result["server_baseline"]["cpu_ms_per_request"] / 1000),
        ),
        (
            "requests seen by the server",
            str(result["server_regform"]["requests"]),
            str(result["server_baseline"]["requests"]),
        ),
    ]
    print(
        f"\nN={n}, latency {latency_ms:g} ms per request; regform reads {ours['concurrency']} at "
        f"a time, the baseline {BASELINE_WORKERS}"
    )
    print(f"  {'':32} {'regform plan':>16} {'baseline':>16}")
    for label, a, b in rows:
        print(f"  {label:32} {a:>16} {b:>16}")
    print(
        f"  config load: {ours['config_load_s']:.2f} s (not in the wall time); plan: "
        f"{ours['changes']} changes (expected {expected_changes(n)})"
    )
    misses = result["server_regform"]["misses"] + result["server_baseline"]["misses"]
    if misses:
        print(f"  WARNING: {misses} requests had no recorded response")
    if equal is not None:
        print(f"  plan against the replay equals the plan against moto: {'yes' if equal else 'NO'}")
    speedup = base["wall_s"] / ours["wall_s"]
    server_cpu = result["server_regform"]["cpu_ms_per_request"]
    lines = [
        _target(
            server_cpu < SERVER_CPU_MS_MAX,
            f"N={n}: replay server CPU {server_cpu:.3f} ms per call (< {SERVER_CPU_MS_MAX} ms)",
        ),
    ]
    if equal is not None:
        lines.append(_target(equal, f"N={n}: plan against the replay equals the plan against moto"))
    if n == 1000:
        planner = ours["planner_cpu_s"] * 1000 / n
        lines += [
            _target(
                speedup >= SPEEDUP_MIN,
                f"N={n}: {speedup:.2f}x faster than the baseline (>= {SPEEDUP_MIN:g}x)",
            ),
            _target(
                calls_ours / n <= CALLS_PER_REPO_MAX,
                f"N={n}: {calls_ours / n:.3f} calls per repository (<= {CALLS_PER_REPO_MAX})",
            ),
            _target(
                planner <= PLANNER_MS_PER_REPO_MAX,
                f"N={n}: planner {planner:.3f} ms per repository (<= {PLANNER_MS_PER_REPO_MAX} ms)",
            ),
        ]
    if n == 10000:
        rss = ours["peak_rss_mb"]
        lines.append(
            _target(
                rss <= RSS_MB_MAX, f"N={n}: completes, peak RSS {rss:.0f} MB (<= {RSS_MB_MAX:g} MB)"
            )
        )
    return lines


def _target(ok: bool, text: str) -> str:
    return f"{'PASS' if ok else 'FAIL'}  {text}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="registry size (repeatable)")
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--quick", action="store_true", help=f"N={QUICK_N} only (a smoke run)")
    parser.add_argument("--moto-max", type=int, default=2000, help="largest N seeded into moto")
    parser.add_argument("--concurrency", type=int, help="override regform's read concurrency")
    parser.add_argument("--workdir", type=Path, help="keep configs, plans and recordings here")
    args = parser.parse_args()
    sizes = [QUICK_N] if args.quick else sorted(set(args.n or [1000, 10000]))
    latency = args.latency_ms / 1000
    started = time.perf_counter()
    targets: list[str] = []
    moto = Moto()
    try:
        with tempfile.TemporaryDirectory(prefix="regform-bench-") as tmp:
            work = args.workdir or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            real: dict[int, Recorded] = {}
            for n in sizes:
                if n <= args.moto_max:
                    real[n] = record(moto, n, work)
            for n in sizes:
                print(f"\n== N={n}")
                if n in real:
                    recording, equal_to = real[n].recording, real[n].moto_plan
                else:
                    source = min(real.values(), key=lambda r: r.n, default=None)
                    if source is None:
                        source = real[TEMPLATE_N] = record(moto, TEMPLATE_N, work)
                    recording = template_recording(source.recording, source.n, n)
                    equal_to = None
                    print(f"  recording templated from the {source.n}-repository one")
                result = measure(n, recording, latency, work, args.concurrency)
                equal = None if equal_to is None else result["plan"] == equal_to
                targets += report(n, args.latency_ms, result, equal)
    finally:
        moto.stop()
    print("\nTargets:")
    for line in targets:
        print(f"  {line}")
    print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")
    return 0 if all(t.startswith("PASS") for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
