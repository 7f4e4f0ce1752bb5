"""Drift report renderers: a :class:`~regform.workflows.drift.DriftReport` in, a string out.

* ``text``: for a terminal or a job log;
* ``markdown``: for an issue or a chat message (summary first, details collapsible);
* ``json``: ``DriftReport.to_dict()`` (what ``drift --out`` keeps).

Symbols: ``~`` changed outside regform, ``-`` declared but missing, ``+`` found but declared
absent. Document diffs read from declared to found, in the config's words where a plan shows them
so (a field's ``display``), else in the registry's (``diff``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from regform.plan import IMAGES, REPOSITORY, Unmanaged
from regform.registry_settings import SINGLETON_NAME
from regform.render.printable import printable_values
from regform.render.text import fmt_field_value
from regform.workflows.drift import DriftField, DriftItem, DriftReport, DriftStatus

SYMBOLS: Mapping[DriftStatus, str] = {
    DriftStatus.CHANGED: "~",
    DriftStatus.MISSING: "-",
    DriftStatus.UNEXPECTED: "+",
}
PHRASES: Mapping[DriftStatus, str] = {
    DriftStatus.CHANGED: "changed outside regform",
    DriftStatus.MISSING: "missing (declared, not found)",
    DriftStatus.UNEXPECTED: "unexpected (found, declared absent)",
}
NO_DRIFT = "No drift. Registries match the configuration."
#: how many unmanaged repositories outside every scope the text and markdown name.
OUTSIDE_SHOWN = 20


def title(item: DriftItem) -> str:
    if item.kind in (REPOSITORY, IMAGES):
        return item.name
    if item.name == SINGLETON_NAME:
        return item.kind
    return f"{item.kind}/{item.name}"


def summary_line(report: DriftReport) -> str:
    s = report.summary
    parts = [f"{s[status.value]} {status.value}" for status in DriftStatus if s[status.value]]
    drift = ", ".join(parts) if parts else "none"
    return (
        f"Drift: {drift}; unmanaged repositories: {s['unmanaged_in_scope']} in scope, "
        f"{s['unmanaged_outside_scope']} outside scope."
    )


def _images(item: DriftItem) -> list[str]:
    """The images a retention drift item names, one line each (digest, tags, time, rule)."""
    return [str(line) for f in item.fields if f.path == IMAGES for line in f.found or ()]


def phrase(item: DriftItem) -> str:
    """What an item's heading says: ``changed outside regform``; for images the declared
    retention would delete, how many."""
    if item.kind != IMAGES:
        return PHRASES[item.status]
    n = len(_images(item))
    lifecycle = f" '{item.definitions[IMAGES]}'" if IMAGES in item.definitions else ""
    return (
        f"{n} image{'s' if n != 1 else ''} the lifecycle{lifecycle} would delete "
        "(pushed since the last apply)"
    )


def item_lines(item: DriftItem) -> list[str]:
    """The lines under an item's heading."""
    if item.kind == IMAGES:
        return _images(item)
    return [line for f in item.fields for line in field_lines(item, f)]


def show(value: Any) -> str:
    """A declared or found value on one line; ``(none)`` for nothing."""
    return "(none)" if value is None else fmt_field_value(value)


def field_lines(item: DriftItem, f: DriftField) -> list[str]:
    label = f.path
    if f.path in item.definitions:
        label += f" ({item.definitions[f.path]})"
    lines = f.display or f.diff
    if lines:
        return [f"{label} (declared -> found):", *(f"    {line}" for line in lines)]
    return [f"{label}: declared {show(f.declared)}, found {show(f.found)}"]


def _unmanaged_lines(unmanaged: Sequence[Unmanaged], indent: str) -> list[str]:
    inside = [u for u in unmanaged if u.in_scope]
    outside = [u for u in unmanaged if not u.in_scope]
    width = max(len(f"{u.registry}/{u.name}") for u in unmanaged)
    lines = [
        f"{indent}{f'{u.registry}/{u.name}'.ljust(width)}  in scope: {u.reason}" for u in inside
    ]
    for u in outside[:OUTSIDE_SHOWN]:
        lines.append(
            f"{indent}{f'{u.registry}/{u.name}'.ljust(width)}  {u.reason or 'outside scope'}"
        )
    if len(outside) > OUTSIDE_SHOWN:
        lines.append(f"{indent}... and {len(outside) - OUTSIDE_SHOWN} more outside scope")
    return lines


def render_text(report: DriftReport) -> str:
    out: list[str] = []
    by_registry: dict[str, list[DriftItem]] = {}
    for item in report.items:
        by_registry.setdefault(item.registry, []).append(item)
    for name, items in by_registry.items():
        provider = report.registries.get(name, "")
        out.append(f"{name} ({provider})" if provider else name)
        width = max(len(title(i)) for i in items)
        for item in items:
            out.append(f"  {SYMBOLS[item.status]} {title(item).ljust(width)}  {phrase(item)}")
            out.extend(f"      {line}" for line in item_lines(item))
        out.append("")
    if report.unmanaged:
        out.append("Unmanaged repositories (exist, not declared):")
        out.extend(_unmanaged_lines(report.unmanaged, "  "))
        out.append("")
    out.extend(f"Warning: {w}" for w in report.warnings)
    if report.warnings:
        out.append("")
    if not report.items and not report.unmanaged:
        out.append(NO_DRIFT)
    else:
        out.append(summary_line(report))
    calls = sum(report.api_calls.values())
    if calls:
        out.append(f"(read with {calls} API call{'s' if calls != 1 else ''}; nothing was changed)")
    return "\n".join(out) + "\n"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_item(item: DriftItem) -> list[str]:
    summary = (
        f"<summary><code>{SYMBOLS[item.status]} {item.registry}/{title(item)}</code> "
        f"{phrase(item)}</summary>"
    )
    if not item.fields:
        return [f"<details>{summary}</details>", ""]
    if item.kind == IMAGES:
        return ["<details>" + summary, "", "```", *_images(item), "```", "", "</details>", ""]
    rows = ["| Field | Declared | Found |", "|---|---|---|"]
    diffs: list[str] = []
    for f in item.fields:
        if f.display or f.diff:
            diffs.extend([f"# {f.path} (declared -> found)", *(f.display or f.diff)])
            continue
        declared, found = show(f.declared), show(f.found)
        rows.append(f"| `{f.path}` | `{_escape(declared)}` | `{_escape(found)}` |")
    body = rows if len(rows) > 2 else []
    if diffs:
        body = [*body, "", "```diff", *diffs, "```"] if body else ["```diff", *diffs, "```"]
    return ["<details>" + summary, "", *body, "", "</details>", ""]


def render_markdown(report: DriftReport) -> str:
    out = ["### regform drift", ""]
    clean = not report.items and not report.unmanaged
    out.extend([f"**{NO_DRIFT if clean else summary_line(report)}**", ""])
    for warning in report.warnings:
        out.append(f"- :warning: {_escape(warning)}")
    if report.warnings:
        out.append("")
    for item in report.items:
        out.extend(_md_item(item))
    if report.unmanaged:
        n = len(report.unmanaged)
        out.extend(
            [
                f"<details><summary>{n} unmanaged repositor{'ies' if n != 1 else 'y'}</summary>",
                "",
                "| Registry | Repository | Scope | Reason |",
                "|---|---|---|---|",
            ]
        )
        inside = list(report.unmanaged_in_scope)
        outside = list(report.unmanaged_outside_scope)
        for u in [*inside, *outside[:OUTSIDE_SHOWN]]:
            where = "in scope" if u.in_scope else "outside scope"
            out.append(f"| {_escape(u.registry)} | `{u.name}` | {where} | {_escape(u.reason)} |")
        if len(outside) > OUTSIDE_SHOWN:
            out.append(f"| | ... and {len(outside) - OUTSIDE_SHOWN} more | outside scope | |")
        out.extend(["", "</details>", ""])
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(report: DriftReport) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n"


RENDERERS: Mapping[str, Callable[[DriftReport], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render_drift(report: DriftReport, fmt: str = "text") -> str:
    """The report in one of :data:`FORMATS`."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown drift format {fmt!r} (one of: {', '.join(FORMATS)})") from None
    return renderer(report if fmt == "json" else printable_values(report))
