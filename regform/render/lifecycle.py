"""``regform lifecycle preview``: every image of one repository and what its policy does to it.

Text (newest image first; ``archive`` is ECR's ``transition`` action)::

    prod/app: lifecycle "pr-builds" from the configuration, evaluated at 2026-03-01 12:00:00 UTC
    4 images: 2 to expire, 0 to archive, 2 to keep

    DIGEST               TAGS    PUSHED               LAST PULLED          VERDICT  RULE
    sha256:5b0d1c2e3f4a  pr-12   2026-02-28 09:14:03  -                    keep     1: PR builds
    ...

Counts, verdicts and the heading are in the registry's words (:attr:`RepositoryReport.words`):
on Harbor ``team-a: retention "keep-releases" from the configuration ...``, ``8 artifacts: 3 to
delete, 5 to keep``, verdicts ``delete`` and ``keep``.

The time column is named by what the registry records: ``PUSHED`` (ECR, Harbor) or ``CREATED``
(a distribution registry, which keeps only the image's creation time).

JSON: :meth:`regform.workflows.preview.RepositoryReport.to_dict`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from regform.lifecycle import Decision
from regform.lifecycle.explain import EXPIRE, KEEP, TRANSITION
from regform.workflows.preview import PolicySource, RepositoryReport

#: the column headers; the time column is named by what the registry records ("PUSHED").
HEADERS = ("DIGEST", "TAGS", "{time}", "LAST PULLED", "VERDICT", "RULE")
#: characters of a digest shown ("sha256:" and 12 hex digits).
DIGEST_CHARS = 19
UNTAGGED = "<untagged>"


def when(moment: datetime | None) -> str:
    """A time in UTC to the second; ``-`` for none."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def short_digest(digest: str) -> str:
    return digest[:DIGEST_CHARS] if digest.startswith("sha256:") else digest


def rule_text(report: RepositoryReport, decision: Decision) -> str:
    """``1: PR builds`` (the rule that decided), ``1`` without a description, ``-`` for none."""
    if decision.rule_priority is None:
        return "-"
    text = str(decision.rule_priority)
    description = report.rule_description(decision.rule_priority)
    if description:
        text += f": {description}"
    if decision.protected:
        text += " (referenced by a manifest list: kept)"
    return text


def verdict(report: RepositoryReport, action: str, kept_because: str | None = None) -> str:
    """An image's verdict in the registry's words: ``expire`` (ECR), ``delete`` (Harbor), or
    ``archive`` (ECR's ``transition``), ``keep``; ``keep (immutable)`` when the registry keeps
    an image its policy would remove (Harbor's immutable tags)."""
    words = report.words
    if kept_because:
        return f"{KEEP} ({kept_because})"
    if action == EXPIRE:
        return words.remove
    if action == TRANSITION and words.archive:
        return words.archive
    return action


def heading(report: RepositoryReport) -> str:
    policy = report.words.policy
    if report.source is PolicySource.CONFIG:
        name = f'{policy} "{report.lifecycle_name}"' if report.lifecycle_name else policy
        source = f"{name} from the configuration"
    else:
        source = f"the {policy} policy in the registry now"
    return (
        f"{report.registry}/{report.repository}: {source}, "
        f"evaluated at {when(report.evaluated_at)} UTC"
    )


def counts(report: RepositoryReport) -> str:
    """``10 images: 3 to expire, 2 to archive, 5 to keep``; ``8 artifacts: 3 to delete, 5 to
    keep`` where the registry has no archive."""
    words = report.words
    acts = [f"{report.count(EXPIRE)} to {words.remove}"]
    if words.archive:
        acts.append(f"{report.count(TRANSITION)} to {words.archive}")
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(report.kept_because().items()))
    acts.append(f"{report.count(KEEP)} to keep" + (f" ({why})" if why else ""))
    return f"{words.count(len(report.decisions))}: {', '.join(acts)}"


def _row(report: RepositoryReport, decision: Decision) -> tuple[str, ...]:
    image = decision.image
    return (
        short_digest(image.digest),
        ",".join(image.tags) if image.tags else UNTAGGED,
        when(image.pushed_at),
        when(image.last_pulled_at),
        verdict(report, decision.action, decision.kept_because),
        rule_text(report, decision),
    )


def render_text(report: RepositoryReport) -> str:
    lines = [heading(report), counts(report)]
    if report.decisions:
        headers = tuple(h.format(time=report.image_time.upper()) for h in HEADERS)
        rows = [headers, *(_row(report, d) for d in report.decisions)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(headers) - 1)]
        lines.append("")
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def render_json(report: RepositoryReport) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json}
