"""The declared registries as rows (name, provider, host, account, region): a job matrix for CI
systems that run one job per registry (``--registry NAME``)."""

from __future__ import annotations

from typing import Any

from regform.credentials.hosts import declared_key
from regform.model import Config

COLUMNS = ("name", "provider", "host", "account", "region")


def registry_rows(config: Config) -> list[dict[str, Any]]:
    """One row per declared registry, credentials-only ones included, sorted by name. ``host``
    is None for an ECR registry without ``account_id`` (its host is known after a login)."""
    rows = []
    for name, reg in config.all_registries().items():
        conn = reg.connection
        rows.append(
            {
                "name": name,
                "provider": reg.provider,
                "host": declared_key(reg),
                "account": conn.get("account_id"),
                "region": conn.get("region"),
            }
        )
    return rows


def matrix(config: Config) -> dict[str, Any]:
    """``{"include": [row, ...]}``: GitHub Actions' ``strategy.matrix`` shape."""
    return {"include": registry_rows(config)}


def render_table(rows: list[dict[str, Any]]) -> str:
    """The rows as aligned columns ("-" for a value the config does not give)."""
    cells = [[str(row[c]) if row[c] is not None else "-" for c in COLUMNS] for row in rows]
    table = [[c.upper() for c in COLUMNS], *cells]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    lines = ("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in table)
    return "".join(line.rstrip() + "\n" for line in lines)
