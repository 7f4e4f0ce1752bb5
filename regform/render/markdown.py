"""The plan as a pull-request comment: summary first, every detail collapsible.

Order: heading, counts table per registry, a warning line naming every destroyed repository,
guards and warnings, then one collapsible ``<details>`` block per change (a ``diff`` code block
that GitHub colours) and one for the unmanaged repositories.
"""

from __future__ import annotations

from regform.enforce import IMAGES
from regform.plan import ACTION_ORDER, REPOSITORY, Action, Change, Plan
from regform.render.text import PHRASES, SYMBOLS, change_body, change_title, summary_line

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
    for guard in plan.guards:
        out.append(f"- :no_entry: apply needs `{guard.flag}`: {guard.message}")
    if plan.guards:
        out.append("")
    for warning in plan.warnings:
        out.append(f"- :warning: {warning}")
    if plan.warnings:
        out.append("")
    for change in plan.changes:
        out.extend(_change_details(change))
    out.extend(_unmanaged(plan))
    return "\n".join(out).rstrip("\n") + "\n"
