"""``regform validate`` over a config of N repositories: wall time and peak memory.

Run: python benchmarks/validate_scale.py [--n 50000] [--profile]

The config: one ECR registry, defaults, two lifecycle policies and two repository policies, and N
repository entries, each with a name, three tags and, for one in four, its own lifecycle policy,
repository policy or mutability (about 4.5 MB and 230,000 values at N = 50,000, under the 5 MiB
limit on a config file). Each measurement is a fresh process running what ``regform validate``
runs (``check_config``); it prints the file size, wall time, CPU time and peak RSS of that process.
``--profile`` prints the 25 costliest functions instead.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = """version: 1
registries:
  prod: {provider: ecr, region: us-east-1, account_id: "123456789012"}
defaults:
  image_tag_mutability: IMMUTABLE
  scan_on_push: true
  tags: {managed-by: regform, cost-center: platform}
  lifecycle: standard
lifecycle_policies:
  standard:
    - {description: expire untagged, untagged: true, older_than_days: 1}
    - {description: keep releases, tag_patterns: ["v*"], keep_last: 20}
  short:
    - {untagged: true, older_than_days: 1}
    - {any: true, keep_last: 5}
repository_policies:
  ci-pull:
    allow_pull: ["111122223333"]
  ci-push:
    allow_push: ["arn:aws:iam::111122223333:role/ci"]
repositories:
"""
EXTRA = ("", "lifecycle: short, ", "policy: ci-pull, ", "image_tag_mutability: MUTABLE, ")


def write_config(n: int, directory: Path) -> Path:
    lines = [HEADER]
    for i in range(n):
        extra = EXTRA[i % 4]
        lines.append(
            f"  - {{name: team-{i % 97:02d}/svc-{i:05d}, {extra}"
            f"tags: {{team: team-{i % 97:02d}, app: svc-{i:05d}, tier: t{i % 3}}}}}\n"
        )
    path = directory / "regform.yaml"
    path.write_text("".join(lines))
    return path


WORKER = """
import json, resource, sys, time
start_cpu, start = time.process_time(), time.perf_counter()
from regform.config import check_config
outcome = check_config([sys.argv[1]])
config = outcome.config
repos = sum(len(r.repositories) for r in config.registries.values()) if config else 0
print(json.dumps({
    "issues": len(outcome.issues),
    "repositories": repos,
    "wall_s": time.perf_counter() - start,
    "cpu_s": time.process_time() - start_cpu,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

PROFILE = """
import cProfile, pstats, sys
from regform.config import check_config
cProfile.run("check_config([sys.argv[1]])", sys.argv[2])
pstats.Stats(sys.argv[2]).sort_stats("cumulative").print_stats(25)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="repositories (repeatable)")
    parser.add_argument("--profile", action="store_true", help="print a profile instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.n or [50_000]:
            path = write_config(n, Path(tmp))
            size = path.stat().st_size
            if args.profile:
                stats = str(Path(tmp) / "profile.out")
                subprocess.run([sys.executable, "-c", PROFILE, str(path), stats], check=True)
                continue
            command = [sys.executable, "-c", WORKER, str(path)]
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            result = json.loads(out)
            print(
                f"N={n:,}: {size / 1e6:.1f} MB, {result['repositories']:,} repositories, "
                f"{result['issues']} issues; wall {result['wall_s']:.2f} s, "
                f"CPU {result['cpu_s']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
