"""The plan for a terminal, in Terraform's visual language. Plain text: the CLI adds colour.

::

    prod (ecr)
        + app-worker  will be created
        ~ app-api     will be updated in place
            ~ image_tag_mutability: "MUTABLE" -> "IMMUTABLE"
            # lifecycle would expire 12 of 40 images now and keep 28: pr-1, pr-2, pr-3 (+9 more)
      -/+ legacy      must be replaced
            ~ encryption: AES256 -> KMS arn:aws:kms:...   # forces replacement
            # replacing deletes every image in the repository
        - old-tool    will be deleted

    Plan: 1 to create, 1 to update, 1 to replace, 1 to delete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regform.documents.docdiff import fmt_value
from regform.plan import (
    IMAGES,
    REPOSITORY,
    Action,
    Change,
    FieldChange,
    LifecyclePreview,
    Plan,
    RepositoryPreview,
)
from regform.registry_settings import SINGLETON_NAME
from regform.render.options import DEFAULT, RenderOptions

SYMBOLS: Mapping[Action, str] = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
}
PHRASES: Mapping[Action, str] = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be deleted",
}
NO_CHANGES = "No changes. Registries match the configuration."
#: how many image names a lifecycle preview line shows before "(+N more)".
PREVIEW_NAMES = 3
#: heading of the previews of repositories the plan does not change.
UNCHANGED_PREVIEWS = "{policy} preview of unchanged policies (the registry applies them on its own)"


def fmt_field_value(value: Any) -> str:
    """A field value as shown on one line (encryption as "KMS <key>", the rest as JSON)."""
    if isinstance(value, Mapping) and set(value) == {"type", "kms_key"}:
        key = value.get("kms_key")
        return f"{value.get('type')} {key}" if key else str(value.get("type"))
    return fmt_value(value)


def image_name(sample: Mapping[str, Any]) -> str:
    """An image as a preview names it: its tags (``v1,latest``), else its short digest."""
    tags = sample.get("tags") or ()
    if tags:
        return ",".join(str(t) for t in tags)
    digest = str(sample.get("digest", "?"))
    return digest[:19] if digest.startswith("sha256:") else digest


def preview_names(preview: LifecyclePreview, action: str, count: int) -> str:
    """The first few of the ``count`` images named for ``action``: ``a, b, c (+9 more)``."""
    names = [image_name(s) for s in preview.sample if s.get("action") == action]
    text = ", ".join(names[:PREVIEW_NAMES])
    more = count - min(len(names), PREVIEW_NAMES)
    if text and more > 0:
        text += f" (+{more} more)"
    return text


def keep_count(preview: LifecyclePreview) -> str:
    """``5``, or ``6 (1 immutable)`` when the registry keeps some of them although the policy
    would remove them (Harbor's immutable tags)."""
    why = ", ".join(f"{n} {reason}" for reason, n in preview.kept_because)
    return f"{preview.keep} ({why})" if why else str(preview.keep)


def preview_line(preview: LifecyclePreview, *, new: bool = False) -> str:
    """``lifecycle would expire 12 of 40 images now and keep 28: a, b, c (+9 more)``, in the
    preview's words (``retention would delete 12 of 40 artifacts now ...`` on Harbor)."""
    words = preview.words
    if preview.total == 0:
        return f"{words.policy} preview: 0 {words.items}" + (
            f" (new {words.holder})" if new else ""
        )
    acts = [f"{words.remove} {preview.expire}"]
    if preview.transition:
        acts.append(f"{words.archive or 'transition'} {preview.transition}")
    line = (
        f"{words.policy} would {' and '.join(acts)} of {words.count(preview.total)} now "
        f"and keep {keep_count(preview)}"
    )
    expired = preview_names(preview, "expire", preview.expire)
    archived = preview_names(preview, "transition", preview.transition)
    if not archived:
        return f"{line}: {expired}" if expired else line
    named = [f"{words.remove}: {expired}"] if expired else []
    named.append(f"{words.archive or 'transition'}: {archived}")
    return f"{line}; {'; '.join(named)}"


def _field_lines(change: Change, field: FieldChange) -> list[str]:
    suffix = "   # forces replacement" if field.forces_replacement else ""
    label = field.path
    if field.path == "lifecycle_policy" and change.after and change.after.get("lifecycle_name"):
        label += f" ({change.after['lifecycle_name']})"
    if field.path == "repository_policy" and change.after and change.after.get("policy_name"):
        label += f" ({change.after['policy_name']})"
    lines = field.display or field.diff
    if len(field.display) == 1 and not isinstance(field.after, dict | list):
        # a value in the config's words (a quota as 50GiB): one line
        sign = "+" if change.action is Action.CREATE else "~"
        return [f"{sign} {label}: {field.display[0]}{suffix}"]
    if change.action is Action.CREATE:
        if lines:
            return [f"+ {label}:", *(f"    {d}" for d in lines)]
        return [f"+ {label}: {fmt_field_value(field.after)}"]
    if lines:
        return [f"~ {label}:{suffix}", *(f"    {d}" for d in lines)]
    before, after = fmt_field_value(field.before), fmt_field_value(field.after)
    return [f"~ {label}: {before} -> {after}{suffix}"]


def change_body(change: Change) -> list[str]:
    """The lines under a change's heading: field changes, notes, lifecycle preview."""
    lines: list[str] = []
    for field in change.fields:
        lines.extend(_field_lines(change, field))
    lines.extend(f"# {note}" for note in change.notes)
    if change.preview is not None:
        new = change.action is Action.CREATE
        lines.append(f"# {preview_line(change.preview, new=new)}")
    return lines


def change_title(change: Change) -> str:
    """A repository's name; a setting's kind (and entry: ``pull_through_cache_rules/x``)."""
    if change.kind in (REPOSITORY, IMAGES):
        return change.name
    if change.name == SINGLETON_NAME:
        return change.kind
    return f"{change.kind}/{change.name}"


def change_symbol(change: Change) -> str:
    """``~`` for image deletions (the repository stays), else the action's symbol."""
    return "~" if change.kind == IMAGES else SYMBOLS[change.action]


def change_phrase(change: Change) -> str:
    """``will be created``; for image deletions ``4 images will be deleted``."""
    if change.kind == IMAGES:
        n = change.images_deleted
        return f"{n} image{'s' if n != 1 else ''} will be deleted"
    return PHRASES[change.action]


def summary_line(plan: Plan) -> str:
    """``Plan: 1 to create, ...``; image deletions as ``4 images to delete in 1 repository``."""
    if not plan.has_changes:
        return NO_CHANGES
    s = plan.summary
    parts: list[str] = []
    if any(c.kind != IMAGES for c in plan.changes):
        parts.append(
            f"{s['create']} to create, {s['update']} to update, "
            f"{s['replace']} to replace, {s['delete']} to delete"
        )
    images = plan.image_deletions
    if images["repositories"]:
        n, repos = images["images"], images["repositories"]
        parts.append(
            f"{n} image{'s' if n != 1 else ''} to delete in {repos} "
            f"repositor{'ies' if repos != 1 else 'y'}"
        )
    return f"Plan: {'; '.join(parts)}."


def guard_line(flag: str, message: str, *, approved: bool = False) -> str:
    if approved:
        return f"approved at plan time with {flag}: {message}"
    return f"apply needs {flag}: {message}"


def approval_line(plan: Plan) -> str | None:
    """``Approved at plan time: --allow-destroy`` (None when nothing was approved)."""
    if not plan.approved:
        return None
    return (
        f"Approved at plan time: {' '.join(plan.approved)} "
        "(applying this saved plan needs no flag for it)"
    )


def _registry_block(name: str, provider: str, changes: Sequence[Change]) -> list[str]:
    lines = [f"{name} ({provider})" if provider else name]
    width = max(len(change_title(c)) for c in changes)
    for c in changes:
        title = change_title(c).ljust(width)
        lines.append(f"{change_symbol(c):>5} {title}  {change_phrase(c)}")
        lines.extend(f"          {body}" for body in change_body(c))
    return lines


def preview_label(preview: RepositoryPreview) -> str:
    """``prod/app (pr-builds)``: a repository and the lifecycle definition it uses."""
    name = f" ({preview.lifecycle_name})" if preview.lifecycle_name else ""
    return preview.address + name


def policy_words(previews: Sequence[LifecyclePreview]) -> str:
    """What the previews evaluate, each word once in order: ``lifecycle``, ``lifecycle and
    retention``."""
    return " and ".join(dict.fromkeys(p.words.policy for p in previews))


def _unchanged_previews(previews: Sequence[RepositoryPreview]) -> list[str]:
    if not previews:
        return []
    policies = policy_words([p.preview for p in previews])
    lines = [f"{UNCHANGED_PREVIEWS.format(policy=policies.capitalize())}:"]
    width = max(len(preview_label(p)) for p in previews)
    for p in previews:
        lines.append(f"  {preview_label(p).ljust(width)}  {preview_line(p.preview)}")
    return [*lines, ""]


def outside_count(n: int) -> str:
    """The line that stands for the unmanaged repositories outside every scope."""
    return (
        f"{n} repositor{'ies' if n != 1 else 'y'} outside every scope "
        "(not managed; --show-unmanaged lists them)"
    )


def unmanaged_lines(plan: Plan, options: RenderOptions) -> list[str]:
    """Unmanaged repositories inside a scope, one per line; those outside every scope as one
    count line unless ``options.show_unmanaged``."""
    if not plan.unmanaged:
        return []
    out = ["Unmanaged (exist, not in the configuration; left alone):"]
    inside = [u for u in plan.unmanaged if u.in_scope]
    outside = [u for u in plan.unmanaged if not u.in_scope]
    listed = inside + (outside if options.show_unmanaged else [])
    width = max((len(f"{u.registry}/{u.name}") for u in listed), default=0)
    for u in listed:
        reason = f"in scope{': ' + u.reason if u.reason else ''}" if u.in_scope else u.reason
        out.append(f"  {f'{u.registry}/{u.name}'.ljust(width)}  {reason or 'out of scope'}")
    if outside and not options.show_unmanaged:
        out.append(f"  {outside_count(len(outside))}")
    return [*out, ""]


def render(plan: Plan, options: RenderOptions = DEFAULT) -> str:
    out: list[str] = []
    by_registry: dict[str, list[Change]] = {}
    for c in plan.changes:
        by_registry.setdefault(c.registry, []).append(c)
    for name, changes in by_registry.items():
        out.extend(_registry_block(name, plan.registries.get(name, ""), changes))
        out.append("")
    out.extend(_unchanged_previews(plan.lifecycle_previews))
    out.extend(unmanaged_lines(plan, options))
    for warning in plan.warnings:
        out.append(f"Warning: {warning}")
    if plan.warnings:
        out.append("")
    for guard in plan.guards:
        out.append(guard_line(guard.flag, guard.message, approved=plan.is_approved(guard)))
    approval = approval_line(plan)
    if approval:
        out.append(approval)
    if plan.guards or approval:
        out.append("")
    out.append(summary_line(plan))
    calls = sum(plan.api_calls.values())
    if calls:
        out.append(f"(read with {calls} API call{'s' if calls != 1 else ''})")
    return "\n".join(out) + "\n"
