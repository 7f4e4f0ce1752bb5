"""``regform plan`` over an ECR registry of N repositories, against a Terraform-style refresh.

Run: python benchmarks/plan_scale.py [--n 1000 --n 10000] [--latency-ms 25] [--json] [--quick]

The registry (:mod:`scale_registry`): N repositories, each with a lifecycle policy, a repository
policy and tags, all declared in the config, four in a hundred drifted. The baseline reads like
Terraform's refresh of the same resources: four calls per repository (DescribeRepositories by
name, ListTagsForResource, GetLifecyclePolicy, GetRepositoryPolicy), plain boto3.

Both tools run against the same server in the same run, at the same parallelism (10, Terraform's
default, and regform's default) and each at its own default, in three variants: plain HTTP;
``throttled`` (every operation has a token bucket of ``--rate`` requests per second, past which
the server answers ThrottlingException as ECR does); ``tls`` (HTTPS with a self-signed
certificate made at startup, handed to both clients through AWS_CA_BUNDLE). For each it prints
wall time, requests seen by the server (throttled ones apart), calls per repository, client CPU
per request, peak RSS, regform's planner CPU (the pure diff), and the targets, PASS or FAIL.
``--json`` prints one JSON object per N, variant and comparison instead (the text goes to stderr).
Each run is repeated ``--repeat`` times (default 3), interleaved with the others, and the fastest
kept: on a shared machine, the other load only ever adds time (all wall times are in the JSON).

How: moto's server is seeded with the registry through boto3, and every read request regform and
the baseline make is recorded once (the replay server forwarding to moto). The timed runs are then
answered from that recording by :mod:`replay_server` in a separate process, which adds the
latency of a network round trip to every request, costs the client nothing, and rejects malformed
HTTP and SigV4 headers (counted: a client bug cannot pass silently). Every plan made against the
replay must equal the plan made against moto.

Above ``--moto-max`` repositories (default 2000), seeding moto takes long: the recording is then
templated from a smaller registry recorded from moto (each repository answers like the recorded
one of the same group and drift kind, under its own name; the listing is cut into pages of 1000
as ECR pages it). Raising ``--moto-max`` records that N from moto too. Each timed run is a fresh
process (:mod:`scale_worker`).
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
from scale_registry import REGION, template_recording, write_config
from scale_report import Run, Variant, best_of, comparisons, print_variant, server_delta

HERE = Path(__file__).resolve().parent
QUICK_N = 200
TEMPLATE_N = 200
EQUAL_PARALLELISM = 10
VARIANTS = {
    "http": Variant("http", throttled=False, tls=False),
    "throttled": Variant("throttled", throttled=True, tls=False),
    "tls": Variant("tls", throttled=False, tls=True),
}


def _env(ca_file: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    for var in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_SESSION_TOKEN",
        "AWS_CA_BUNDLE",
        "AWS_RETRY_MODE",
        "AWS_MAX_ATTEMPTS",
    ):
        env.pop(var, None)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    if ca_file is not None:
        env["AWS_CA_BUNDLE"] = str(ca_file)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def worker(*args: str, work: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one measured run in a fresh process; its figures."""
    out = work / f"figures-{time.monotonic_ns()}.json"
    subprocess.run(
        [sys.executable, str(HERE / "scale_worker.py"), *args, "--out", str(out)],
        check=True,
        env=env or _env(),
        cwd=work,
    )
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def _parallelism(value: int | None) -> list[str]:
    return ["--parallelism", str(value)] if value else []


def plan_run(
    endpoint: str,
    n: int,
    work: Path,
    name: str,
    parallelism: int | None = None,
    env: dict[str, str] | None = None,
) -> tuple[dict[str, Any], Any]:
    config_dir = write_config(work / f"config-{name}", n, endpoint)
    plan_file = work / f"plan-{name}.json"
    args = ["plan", "--config", str(config_dir), "--plan-out", str(plan_file)]
    figures = worker(*args, *_parallelism(parallelism), work=work, env=env)
    return figures, json.loads(plan_file.read_text())


def baseline_run(
    endpoint: str,
    n: int,
    work: Path,
    parallelism: int | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    args = ["baseline", "--endpoint", endpoint, "--n", str(n), *_parallelism(parallelism)]
    return worker(*args, work=work, env=env)


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
    log(
        f"  moto: seeded {n} repositories in {seeded - t0:.1f} s, recorded {len(recording)} "
        f"responses in {time.perf_counter() - seeded:.1f} s"
    )
    return Recorded(n, recording, moto_plan)


# Measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """How the replay server answers: latency (s), token bucket per operation, TLS."""

    latency: float = 0.0
    variant: Variant = VARIANTS["http"]
    rate: float = 100.0
    burst: float | None = None
    parallelisms: tuple[int | None, ...] = (EQUAL_PARALLELISM, None)
    #: each run is repeated (interleaved with the others) and the fastest kept
    repeat: int = 1


def measure(
    n: int,
    recording: Recording,
    work: Path,
    settings: Settings,
    *,
    moto_plan: Any = None,
    baseline: bool = True,
) -> list[Run]:
    """Time regform (and the baseline, unless ``baseline`` is false) against one replay server:
    at each parallelism (None: regform's default, and the baseline at the same)."""
    path = save_recording(recording, work / f"replay-{n}.pickle")
    variant = settings.variant
    runs: list[Run] = []
    with ReplayServer(
        recording_file=path,
        latency=settings.latency,
        rate=settings.rate if variant.throttled else None,
        burst=settings.burst,
        tls=variant.tls,
    ) as server:
        env = _env(server.ca_file)

        def timed(tool: str, parallelism: int | None) -> Run:
            before = server.stats()
            plan = None
            if tool == "regform":
                name = f"{variant.name}-{n}-{parallelism}"
                figures, plan = plan_run(server.url, n, work, name, parallelism, env)
            else:
                figures = baseline_run(server.url, n, work, parallelism, env)
            run = Run(
                tool, figures["parallelism"], figures, server_delta(before, server.stats()), plan
            )
            if plan is not None and moto_plan is not None:
                run.plan_equals_moto = plan == moto_plan
            runs.append(run)
            return run

        for _ in range(settings.repeat):
            start = len(runs)
            for parallelism in settings.parallelisms:
                if baseline and parallelism is not None:
                    timed("baseline", parallelism)
                ours = timed("regform", parallelism)
                seen = {r.parallelism for r in runs[start:] if r.tool == "baseline"}
                if baseline and parallelism is None and ours.parallelism not in seen:
                    timed("baseline", ours.parallelism)
    return best_of(runs)


# Running ------------------------------------------------------------------------------------


def _recordings(sizes: list[int], moto: Moto, work: Path, args: argparse.Namespace) -> Any:
    """(n, recording, the plan against moto or None) per N: recorded from moto up to
    ``--moto-max``, templated from the smallest recorded registry above it. With
    ``--check-template``, a recorded N's plan is also made against a recording templated from a
    smaller one, and must equal the plan against moto (a target)."""
    real = {n: record(moto, n, work) for n in sizes if n <= args.moto_max}

    def source_for(n: int) -> Recorded:
        smaller = [r for r in real.values() if r.n < n]
        if not smaller:
            real[TEMPLATE_N] = record(moto, TEMPLATE_N, work)
            return real[TEMPLATE_N]
        return min(smaller, key=lambda r: r.n)

    for n in sizes:
        if n not in real:
            source = source_for(n)
            log(f"  N={n}: recording templated from the {source.n}-repository one")
            yield n, template_recording(source.recording, source.n, n), None
            continue
        if args.check_template and n > TEMPLATE_N:
            source = source_for(n)
            templated = template_recording(source.recording, source.n, n)
            (run,) = measure(
                n,
                templated,
                work,
                Settings(parallelisms=(None,)),
                moto_plan=real[n].moto_plan,
                baseline=False,
            )
            TEMPLATE_CHECKS[
                f"N={n}: the plan against a recording templated from N={source.n} equals "
                "the plan against moto"
            ] = bool(run.plan_equals_moto)
        yield n, real[n].recording, real[n].moto_plan


#: target text -> passed, for the templated recordings checked against moto
TEMPLATE_CHECKS: dict[str, bool] = {}


def log(text: str) -> None:
    print(text, file=sys.stderr if JSON_OUTPUT else sys.stdout, flush=True)


JSON_OUTPUT = False


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="registry size (repeatable)")
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--quick", action="store_true", help=f"N={QUICK_N} only (a smoke run)")
    parser.add_argument("--moto-max", type=int, default=2000, help="largest N seeded into moto")
    parser.add_argument(
        "--variant",
        action="append",
        choices=sorted(VARIANTS),
        help="http, throttled, tls (repeatable; default all)",
    )
    parser.add_argument("--rate", type=float, default=100.0, help="throttled: requests/s per op")
    parser.add_argument("--burst", type=float, help="throttled: bucket size (default rate/10)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each tool and parallelism; fastest kept"
    )
    parser.add_argument(
        "--check-template",
        action="store_true",
        help="also plan each recorded N against a recording templated from a smaller one",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per comparison")
    parser.add_argument("--workdir", type=Path, help="keep configs, plans and recordings here")
    return parser.parse_args()


def main() -> int:
    global JSON_OUTPUT
    args = _arguments()
    JSON_OUTPUT = args.json
    sizes = [QUICK_N] if args.quick else sorted(set(args.n or [1000, 10000]))
    variants = [VARIANTS[v] for v in (args.variant or ["http", "throttled", "tls"])]
    started = time.perf_counter()
    targets: dict[str, bool] = {}
    moto = Moto()
    try:
        with tempfile.TemporaryDirectory(prefix="regform-bench-") as tmp:
            work = args.workdir or Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            for n, recording, moto_plan in _recordings(sizes, moto, work, args):
                for variant in variants:
                    settings = Settings(
                        args.latency_ms / 1000, variant, args.rate, args.burst, repeat=args.repeat
                    )
                    runs = measure(n, recording, work, settings, moto_plan=moto_plan)
                    rows = comparisons(n, variant, runs, rate=args.rate, equal=EQUAL_PARALLELISM)
                    title = f"\n== N={n}, {variant.name}, latency {args.latency_ms:g} ms"
                    if variant.throttled:
                        title += f", {args.rate:g} requests/s per operation"
                    log(title)
                    print_variant(n, variant, runs, rows, sys.stderr if args.json else sys.stdout)
                    for row in rows:
                        targets.update(row["targets"])
                        if args.json:
                            print(json.dumps(row), flush=True)
    finally:
        moto.stop()
    targets.update(TEMPLATE_CHECKS)
    log("\nTargets:")
    for text, ok in targets.items():
        log(f"  {'PASS' if ok else 'FAIL'}  {text}")
    log(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
