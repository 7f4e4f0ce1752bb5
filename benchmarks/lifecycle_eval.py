"""Lifecycle engine throughput: 100,000 images through a 10-rule policy.

Run: python benchmarks/lifecycle_eval.py [--images N] [--repeat R] [--seed S]

The images mimic a busy CI repository: semver releases (some with a ``latest``/``stable`` tag too),
release candidates, ``0.0.0-PR-<n>-<sha>`` pull-request builds, ``sha-<hex>`` commit builds,
branch builds, untagged layers of multi-arch indexes, and a share of archived images. Prints the
image and rule counts, the best wall and CPU time of R runs, images per second (from the wall
time) and what each rule selects.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from regform.lifecycle import Evaluation, compile_rules, evaluate, validate_policy
from regform.model import Image

NOW = datetime(2025, 6, 1, tzinfo=UTC)

RULES = [
    {"description": "keep every stable release", "tag_patterns": ["v*.*.*"], "keep_last": 10_000},
    {"description": "release candidates: last 50", "tag_patterns": ["*-rc*"], "keep_last": 50},
    {"description": "PR builds: 14 days", "tag_prefixes": ["0.0.0-PR-"], "older_than_days": 14},
    {"description": "commit builds: last 2000", "tag_patterns": ["sha-*"], "keep_last": 2_000},
    {"description": "main branch: last 200", "tag_prefixes": ["main-"], "keep_last": 200},
    {"description": "feature branches", "tag_patterns": ["feature-*-*"], "older_than_days": 30},
    {
        "description": "archive idle nightlies",
        "tag_prefixes": ["nightly-"],
        "not_pulled_for_days": 60,
        "action": "archive",
    },
    {"description": "untagged: 7 days", "untagged": True, "older_than_days": 7},
    {
        "description": "archived: delete after a year",
        "any": True,
        "storage_class": "archive",
        "archived_for_days": 365,
    },
    {"description": "everything else: last 5000", "any": True, "keep_last": 5_000},
]


def make_images(n: int, seed: int) -> list[Image]:
    rng = random.Random(seed)
    images: list[Image] = []
    index_digests: list[str] = []
    for i in range(n):
        digest = f"sha256:{rng.getrandbits(256):064x}"
        age_days = rng.uniform(0, 730)
        pushed = NOW - timedelta(days=age_days)
        sha = f"{rng.getrandbits(40):010x}"
        kind = rng.random()
        tags: tuple[str, ...]
        referenced_by: tuple[str, ...] = ()
        if kind < 0.05:
            tags = (f"v{rng.randint(0, 9)}.{rng.randint(0, 40)}.{i}",)
            if rng.random() < 0.1:
                tags += ("stable",) if rng.random() < 0.5 else (f"latest-{i}",)
        elif kind < 0.08:
            tags = (f"{rng.randint(0, 9)}.{rng.randint(0, 40)}.0-rc{i}",)
        elif kind < 0.40:
            tags = (f"0.0.0-PR-{rng.randint(1, 9000)}-{sha}",)
        elif kind < 0.62:
            tags = (f"sha-{sha}",)
            if rng.random() < 0.2:
                tags += (f"main-{i}",)
        elif kind < 0.70:
            tags = (f"feature-{rng.choice(['auth', 'ui', 'db', 'api'])}-{sha}",)
        elif kind < 0.75:
            tags = (f"nightly-{i}",)
        else:
            tags = ()
            if index_digests and rng.random() < 0.3:
                referenced_by = (rng.choice(index_digests),)
        if tags and rng.random() < 0.05:
            index_digests.append(digest)
        archived = rng.random() < 0.05
        pulled = rng.uniform(0, age_days) if rng.random() < 0.6 else None
        images.append(
            Image(
                digest=digest,
                tags=tags,
                pushed_at=pushed,
                last_pulled_at=None if pulled is None else NOW - timedelta(days=pulled),
                storage_class="archive" if archived else "standard",
                archived_at=NOW - timedelta(days=rng.uniform(0, age_days)) if archived else None,
                referenced_by=referenced_by,
            )
        )
    return images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    policy = compile_rules(RULES)
    assert validate_policy(policy) == [], validate_policy(policy)
    images = make_images(args.images, args.seed)

    best = best_cpu = float("inf")
    result: Evaluation | None = None
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = evaluate(policy, images, NOW)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    assert result is not None

    per_rule = Counter((v.rule_priority, v.action) for v in result.selected)
    print(f"images:       {len(images):,}")
    print(f"rules:        {len(policy['rules'])}")
    print(f"wall time:    {best * 1000:.0f} ms (best of {args.repeat})")
    print(
        f"cpu time:     {best_cpu * 1000:.0f} ms (best of {args.repeat}; steadier on a busy host)"
    )
    print(f"throughput:   {len(images) / best:,.0f} images/s")
    print(f"expired:      {len(result.expired):,}")
    print(f"transitioned: {len(result.transitioned):,}")
    print(f"kept:         {len(result.kept):,}")
    for rule in policy["rules"]:
        p = rule["rulePriority"]
        counts = ", ".join(f"{n:,} {act}" for (q, act), n in sorted(per_rule.items()) if q == p)
        print(f"  rule {p:>2} {rule['description']:<32} {counts or 'none'}")


if __name__ == "__main__":
    main()
