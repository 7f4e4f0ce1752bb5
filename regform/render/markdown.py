"""The plan as a pull-request comment: summary first, every detail collapsible.

Order: heading, counts table per registry, a warning line naming every destroyed repository,
the lifecycle preview table (what each new, changed or previewed policy would expire now; one
table for each registry's words: Harbor's retention deletes artifacts),
guards and warnings, then one collapsible ``<details>`` block per change (a ``diff`` code block
that GitHub colours) and one for the unmanaged repositories.
"""

from __future__ import annotations

from regform.plan import (
    ACTION_ORDER,
    IMAGES,
    REPOSITORY,
    Action,
    Change,
    LifecyclePreview,
    Plan,
    PreviewWords,
)
from regform.render.options import DEFAULT, RenderOptions
from regform.render.text import (
    approval_line,
    change_body,
    change_phrase,
    change_symbol,
    change_title,
    keep_count,
    outside_count,
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
            sum(
                1 for c in plan.changes if c.registry == name and c.action is a and c.kind != IMAGES
            )
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
        n = change.images_deleted
        return f"deletes {n} image{'s' if n != 1 else ''}"
    if change.kind != REPOSITORY:
        return "replace" if change.action is Action.REPLACE else "delete"
    if change.action is Action.REPLACE:
        return "replace: deletes every image"
    return "delete"


def _preview_header(words: PreviewWords) -> list[str]:
    """The table's header, in the registry's words; an archive column only where it has one."""
    archive = [words.archive.capitalize()] if words.archive else []
    columns = [
        "Repository",
        f"{words.policy.capitalize()} policy",
        words.items.capitalize(),
        words.remove.capitalize(),
        *archive,
        "Keep",
        "Oldest affected",
    ]
    align = ["---", "---", *("---:" for _ in range(len(columns) - 3)), "---"]
    return ["| " + " | ".join(columns) + " |", "|" + "|".join(align) + "|"]


def _preview_row(address: str, policy: str, preview: LifecyclePreview) -> str:
    words = preview.words
    names = [
        f"{what}: {_escape(text)}" if preview.transition else _escape(text)
        for what, text in (
            (words.remove, preview_names(preview, "expire", preview.expire)),
            (words.archive, preview_names(preview, "transition", preview.transition)),
        )
        if text
    ]
    archive = (preview.transition,) if words.archive else ()
    counts = (preview.total, preview.expire, *archive, keep_count(preview))
    return (
        f"| `{address}` | {policy} | " + " | ".join(map(str, counts)) + f" | {'; '.join(names)} |"
    )


def _policy_label(state: str, lifecycle_name: str | None) -> str:
    return f"{state} (`{lifecycle_name}`)" if lifecycle_name else state


def _preview_rows(plan: Plan) -> list[tuple[str, str, LifecyclePreview]]:
    """(address, policy label, preview) of every preview in the plan, changes first."""
    rows: list[tuple[str, str, LifecyclePreview]] = []
    for c in plan.changes:
        if c.kind != REPOSITORY or c.preview is None:
            continue
        changed = any(f.path == "lifecycle_policy" for f in c.fields)
        state = "new" if c.action is Action.CREATE else "changed" if changed else "unchanged"
        name = (c.after or {}).get("lifecycle_name")
        rows.append((c.address, _policy_label(state, name), c.preview))
    for p in plan.lifecycle_previews:
        rows.append((p.address, _policy_label("unchanged", p.lifecycle_name), p.preview))
    return rows


def _previews(plan: Plan) -> list[str]:
    """One table for each way the plan's registries speak of their previews."""
    tables: dict[PreviewWords, list[str]] = {}
    for address, label, preview in _preview_rows(plan):
        tables.setdefault(preview.words, []).append(_preview_row(address, label, preview))
    out: list[str] = []
    for words, rows in tables.items():
        out.extend(
            [
                f"**{words.policy.capitalize()} preview** "
                f"(what each policy would do to the {words.items} there now)",
                "",
                *_preview_header(words),
                *rows,
                "",
            ]
        )
    return out


def _change_details(change: Change) -> list[str]:
    title = change_title(change)
    summary = (
        f"<summary><code>{change_symbol(change)} {change.registry}/{title}</code> "
        f"{change_phrase(change)}</summary>"
    )
    body = change_body(change)
    if not body:
        return [f"<details>{summary}</details>", ""]
    return ["<details>" + summary, "", "```diff", *body, "```", "", "</details>", ""]


def _unmanaged(plan: Plan, options: RenderOptions) -> list[str]:
    inside = [u for u in plan.unmanaged if u.in_scope]
    outside = [u for u in plan.unmanaged if not u.in_scope]
    listed = inside + (outside if options.show_unmanaged else [])
    lines: list[str] = []
    if listed:
        n = len(listed)
        lines = [
            f"<details><summary>{n} unmanaged repositor{'ies' if n != 1 else 'y'} "
            "(not in the configuration; left alone)</summary>",
            "",
            "| Registry | Repository | Scope | Reason |",
            "|---|---|---|---|",
        ]
        for u in listed:
            scope = "in scope" if u.in_scope else "out of scope"
            lines.append(f"| {_escape(u.registry)} | `{u.name}` | {scope} | {_escape(u.reason)} |")
        lines.extend(["", "</details>", ""])
    if outside and not options.show_unmanaged:
        lines.extend([f"_{outside_count(len(outside))}_", ""])
    return lines


def _head(plan: Plan) -> list[str]:
    """Everything before the changes: summary, counts, destroys, previews, guards, warnings."""
    out = [TITLE, "", f"**{summary_line(plan)}**", ""]
    if plan.has_changes:
        out.extend([*_counts_table(plan), ""])
        destroy = _destroy_warning(plan)
        if destroy:
            out.extend([*destroy, ""])
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
    return out


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _more(n: int) -> list[str]:
    return [
        f"**{n} more change{'s' if n != 1 else ''}: see the full plan** "
        "(the JSON or text plan of this run).",
        "",
    ]


def render(plan: Plan, options: RenderOptions = DEFAULT) -> str:
    """The comment; with ``options.max_chars``, the summary and destroys first, then as many
    changes as fit and a line saying how many more there are."""
    out = _head(plan)
    ordered = [*plan.destructive, *(c for c in plan.changes if not c.destructive)]
    tail = _unmanaged(plan, options)
    limit = options.max_chars
    budget = None if limit is None else limit - _size(tail) - _size(_more(len(ordered)))
    shown = 0
    for change in ordered:
        block = _change_details(change)
        if budget is not None and _size(out) + _size(block) > budget:
            break
        out.extend(block)
        shown += 1
    if shown < len(ordered):
        out.extend(_more(len(ordered) - shown))
    out.extend(tail)
    text = "\n".join(out).rstrip("\n") + "\n"
    if limit is not None and len(text) > limit:
        note = "\n_(cut here to fit a comment: see the full plan)_\n"
        text = text[: text.rfind("\n", 0, limit - len(note)) + 1] + note.lstrip("\n")
    return text
