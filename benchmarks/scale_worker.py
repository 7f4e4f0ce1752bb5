"""One measured run of the plan benchmark, in a fresh process (so that its CPU time and peak RSS
are its own). Writes its figures as JSON to ``--out``.

    python scale_worker.py plan --config DIR --out FILE [--plan-out FILE] [--parallelism P]
    python scale_worker.py baseline --endpoint URL --n N --out FILE [--parallelism P]

``plan`` is what ``regform plan --no-lifecycle-preview`` does: load the config, build the providers,
read and compare (:func:`regform.workflows.plan_apply.make_plan`); the lifecycle preview's image
listings are left out, as the baseline has nothing like them. The planner's own CPU is the thread
CPU spent inside :func:`regform.planning.planner.plan_registry` (the pure diff), best of a few
repeats on the same inputs.

``baseline`` reads like Terraform's refresh of ``aws_ecr_repository``,
``aws_ecr_lifecycle_policy`` and ``aws_ecr_repository_policy`` resources: four calls per
repository (DescribeRepositories by name, ListTagsForResource, GetLifecyclePolicy,
GetRepositoryPolicy), ``--parallelism`` repositories at a time (Terraform's default is 10), with
a plain boto3 client retrying as Terraform's AWS provider does by default (up to 25 attempts;
botocore's standard mode: exponential backoff with jitter).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

PLANNER_REPEATS = 3
#: Terraform's default -parallelism
BASELINE_PARALLELISM = 10
#: Terraform's AWS provider retries a call up to 25 times by default
BASELINE_MAX_ATTEMPTS = 25


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: plan keys that differ between two runs on the same state
VARYING = ("created_at", "api_calls", "config_checksum", "config_files", "identities")


def comparable_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """A plan's dict without what differs between two runs on the same state: timestamps, call
    counts, the config checksums (whole and per file) and the registry identities (they name the
    endpoint, which differs)."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in VARYING}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return dict(strip(plan))


def run_plan(config_dir: Path, parallelism: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    # imported before timing, as boto3 is for the baseline
    import regform.providers.ecr.provider  # noqa: F401
    from regform.config import load_config
    from regform.providers import build_providers
    from regform.providers.ecr import session as ecr_session
    from regform.workflows import plan_apply as workflow

    parallelism = parallelism or ecr_session.DEFAULT_PARALLELISM
    planner_runs: list[tuple[Any, Any]] = []
    real_plan_registry = workflow.plan_registry

    def timed(*args: Any, **kwargs: Any) -> Any:
        planner_runs.append((args, kwargs))
        return real_plan_registry(*args, **kwargs)

    workflow.plan_registry = timed

    wall0, cpu0 = time.perf_counter(), _cpu()
    config = load_config([config_dir])
    wall1, cpu1 = time.perf_counter(), _cpu()
    providers = build_providers(config, parallelism=parallelism)
    plan = workflow.make_plan(config, providers, lifecycle_preview=False)
    wall2, cpu2 = time.perf_counter(), _cpu()
    for p in providers.values():
        close: Callable[[], None] | None = getattr(p, "close", None)
        if close is not None:
            close()

    planner = []
    for args, kwargs in planner_runs:
        best = float("inf")
        for _ in range(PLANNER_REPEATS):
            t0 = time.thread_time()
            real_plan_registry(*args, **kwargs)
            best = min(best, time.thread_time() - t0)
        planner.append(best)
    repositories = sum(len(r.repositories) for r in config.registries.values())
    figures = {
        "repositories": repositories,
        "wall_s": wall2 - wall1,
        "config_load_s": wall1 - wall0,
        "config_load_cpu_s": cpu1 - cpu0,
        "cpu_s": cpu2 - cpu1,
        "api_calls": dict(plan.api_calls),
        "planner_cpu_s": sum(planner),
        "changes": len(plan.changes),
        "parallelism": parallelism,
        "peak_rss_mb": _peak_rss_mb(),
    }
    return figures, comparable_plan(plan.to_dict())


def run_baseline(endpoint: str, n: int, parallelism: int) -> dict[str, Any]:
    import boto3
    from botocore.config import Config
    from scale_registry import REGION, repositories

    names = [r.name for r in repositories(n)]
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    wall0, cpu0 = time.perf_counter(), _cpu()
    retries: Any = {"mode": "standard", "total_max_attempts": BASELINE_MAX_ATTEMPTS}
    ecr = boto3.client(
        "ecr",
        region_name=REGION,
        endpoint_url=endpoint,
        config=Config(max_pool_connections=parallelism, retries=retries),
    )

    def count(model: Any = None, **_: Any) -> None:
        with lock:
            counts[model.name] += 1

    ecr.meta.events.register("before-parameter-build.ecr", count)

    def document(fn: Callable[..., Any], key: str, name: str) -> Any:
        try:
            text = fn(repositoryName=name)[key]
        except ecr.exceptions.ClientError as exc:
            if "NotFoundException" in exc.response["Error"]["Code"]:
                return None
            raise
        return json.loads(text)

    def refresh(name: str) -> dict[str, Any]:
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        lifecycle = document(ecr.get_lifecycle_policy, "lifecyclePolicyText", name)
        policy = document(ecr.get_repository_policy, "policyText", name)
        return {"repo": repo, "tags": tags, "lifecycle": lifecycle, "policy": policy}

    with ThreadPoolExecutor(max_workers=parallelism) as pool:
        states = list(pool.map(refresh, names))
    wall1, cpu1 = time.perf_counter(), _cpu()
    return {
        "repositories": len(states),
        "wall_s": wall1 - wall0,
        "cpu_s": cpu1 - cpu0,
        "api_calls": dict(sorted(counts.items())),
        "parallelism": parallelism,
        "peak_rss_mb": _peak_rss_mb(),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["plan", "baseline"])
    parser.add_argument("--config", type=Path)
    parser.add_argument("--endpoint")
    parser.add_argument("--n", type=int)
    parser.add_argument("--parallelism", type=int)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plan-out", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "plan":
        figures, plan = run_plan(args.config, args.parallelism)
        if args.plan_out:
            args.plan_out.write_text(json.dumps(plan, sort_keys=True, default=str))
    else:
        figures = run_baseline(args.endpoint, args.n, args.parallelism or BASELINE_PARALLELISM)
    args.out.write_text(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1:])
