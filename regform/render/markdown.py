"""The plan as a pull-request comment: summary first, every detail collapsible.

Order: heading, counts table per registry, a warning line naming every destroyed repository,
the lifecycle preview table (what each new, changed or previewed policy would expire now),
guards and warnings, then one collapsible ``<details>`` block per change (a ``diff`` code block
that GitHub colours) and one for the unmanaged repositories.
"""

from __future__ import annotations

from regform.plan import ACTION_ORDER, IMAGES, REPOSITORY, Action, Change, LifecyclePreview, Plan
from regform.render.text import (
    PHRASES,
    SYMBOLS,
    approval_line,
    change_body,
    change_title,
    preview_names,
    summary_line,
)

TITLE = "### regform plan"


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _counts_table(plan: Plan) -> list[str]:
    names = sorted({c.registry for c in plan.changes})
    header = "| Registry | " + " | ".join(a.value.capitalize() for a in ACTION_ORDER) + " |"
    lines = [header, "|---|" + "---:|" * len(ACTION_ORDER)]
    for name in names:
        provider = plan.registries.get(name, "")
        label = f"{name} ({provider})" if provider else name
        counts = [
            sum(1 for c in plan.changes if c.registry == name and c.action is a)
            for a in ACTION_ORDER
        ]
        lines.append(f"| {_escape(label)} | " + " | ".join(map(str, counts)) + " |")
    if len(names) > 1:
        total = [str(plan.summary[a.value]) for a in ACTION_ORDER]
        lines.append("| **Total** | " + " | ".join(total) + " |")
    return lines


def _destroy_warning(plan: Plan) -> list[str]:
    destroyed = plan.destructive
    if not destroyed:
        return []
    items = ", ".join(f"`{c.address}` ({_what(c)})" for c in destroyed)
    return [f"> :warning: **This plan destroys:** {items}"]


def _what(change: Change) -> str:
    if change.kind == IMAGES:
        n = len((change.before or {}).get("images") or ())
        return f"deletes {n} images"
    if change.kind != REPOSITORY:
        return "replace" if change.action is Action.REPLACE else "delete"
    if change.action is Action.REPLACE:
        return "replace: deletes every image"
    return "delete"


PREVIEW_HEADER = (
    "| Repository | Lifecycle policy | Images | Expire | Archive | Keep | Oldest affected |",
    "|---|---|---:|---:|---:|---:|---|",
)


def _preview_row(address: str, policy: str, preview: LifecyclePreview) -> str:
    names = [
        f"{what}: {_escape(text)}" if preview.transition else _escape(text)
        for what, text in (
            ("expire", preview_names(preview, "expire", preview.expire)),
            ("archive", preview_names(preview, "transition", preview.transition)),
        )
        if text
    ]
    counts = (preview.total, preview.expire, preview.transition, preview.keep)
    return (
        f"| `{address}` | {policy} | " + " | ".join(map(str, counts)) + f" | {'; '.join(names)} |"
    )


def _policy_label(state: str, lifecycle_name: str | None) -> str:
    return f"{state} (`{lifecycle_name}`)" if lifecycle_name else state


def _previews(plan: Plan) -> list[str]:
    rows: list[str] = []
    for c in plan.changes:
        if c.kind != REPOSITORY or c.preview is None:
            continue
        changed = any(f.path == "lifecycle_policy" for f in c.fields)
        state = "new" if c.action is Action.CREATE else "changed" if changed else "unchanged"
        name = (c.after or {}).get("lifecycle_name")
        rows.append(_preview_row(c.address, _policy_label(state, name), c.preview))
    for p in plan.lifecycle_previews:
        label = _policy_label("unchanged", p.lifecycle_name)
        rows.append(_preview_row(p.address, label, p.preview))
    if not rows:
        return []
    return [
        "**Lifecycle preview** (what each policy would do to the images there now)",
        "",
        *PREVIEW_HEADER,
        *rows,
        "",
    ]


def _change_details(change: Change) -> list[str]:
    title = change_title(change)
    summary = (
        f"<summary><code>{SYMBOLS[change.action]} {change.registry}/{title}</code> "
        f"{PHRASES[change.action]}</summary>"
    )
    body = change_body(change)
    if not body:
        return [f"<details>{summary}</details>", ""]
    return ["<details>" + summary, "", "```diff", *body, "```", "", "</details>", ""]


def _unmanaged(plan: Plan) -> list[str]:
    if not plan.unmanaged:
        return []
    n = len(plan.unmanaged)
    lines = [
        f"<details><summary>{n} unmanaged repositor{'ies' if n != 1 else 'y'} "
        "(not in the configuration; left alone)</summary>",
        "",
        "| Registry | Repository | Scope | Reason |",
        "|---|---|---|---|",
    ]
    for u in plan.unmanaged:
        scope = "in scope" if u.in_scope else "out of scope"
        lines.append(f"| {_escape(u.registry)} | `{u.name}` | {scope} | {_escape(u.reason)} |")
    return [*lines, "", "</details>", ""]


def render(plan: Plan) -> str:
    out = [TITLE, ""]
    if plan.has_changes:
        out.extend([f"**{summary_line(plan)}**", "", *_counts_table(plan), ""])
        destroy = _destroy_warning(plan)
        if destroy:
            out.extend([*destroy, ""])
    else:
        out.extend([f"**{summary_line(plan)}**", ""])
    out.extend(_previews(plan))
    for guard in plan.guards:
        if plan.is_approved(guard):
            out.append(
                f"- :white_check_mark: approved at plan time with `{guard.flag}`: {guard.message}"
            )
        else:
            out.append(f"- :no_entry: apply needs `{guard.flag}`: {guard.message}")
    approval = approval_line(plan)
    if approval:
        out.append(f"- :white_check_mark: **{approval}**")
    if plan.guards or approval:
        out.append("")
    for warning in plan.warnings:
        out.append(f"- :warning: {warning}")
    if plan.warnings:
        out.append("")
    for change in plan.changes:
        out.extend(_change_details(change))
    out.extend(_unmanaged(plan))
    return "\n".join(out).rstrip("\n") + "\n"
