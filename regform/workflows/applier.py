"""Carry out a plan, safely.

Before any write: every guard in the plan must be covered by the flag it names (``--allow-destroy``,
``--force``), given now or approved when the plan was made (``Plan.approved``), and a change
creating a secret shown only once needs a place for it (``--secrets-file`` or ``--show-secrets``,
see :func:`regform.providers.set_secret_destination`), else
:class:`~regform.errors.UnsafePlanError`, and a secrets file it could not write (missing or
read-only directory, a symlink) is refused; then every registry about to be
written checks its identity (``check_identity``: the credentials belong to the declared account).

Changes run concurrently (a bounded thread pool) in phases: creates, then in-place updates, then
replaces; deletes run last and only when everything before them succeeded (a delete never
happens in a run that failed elsewhere). A failure never stops the other changes of its phase;
the result says what succeeded, what failed (with the error) and what was skipped. Re-planning and
applying again converges.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from regform.errors import PartialApplyError, RegformError, UnsafePlanError
from regform.plan import ACTION_ORDER, Action, Change, Guard, Plan
from regform.planning.guards import SECRETS_FLAG, destroy_message
from regform.providers import check_secret_destination, secret_destination_set
from regform.providers.base import Provider

#: progress statuses passed to the ``progress(change, status)`` callback.
STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"

Progress = Callable[[Change, str], None]

#: how many changes run at the same time.
MAX_WORKERS = 4


#: the step a provider that names none did, by action.
DONE: Mapping[Action, str] = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.REPLACE: "replaced",
    Action.DELETE: "deleted",
}


@dataclass(frozen=True, slots=True)
class ChangeReport:
    """What apply did to one change: the steps done, and the step that failed (with why)."""

    change: Change
    done: tuple[str, ...] = ()
    failed: str | None = None
    error: str = ""
    skipped: bool = False

    @property
    def status(self) -> str:
        """``complete``, ``partial`` (some steps done, one failed), ``failed`` or ``skipped``."""
        if self.skipped:
            return SKIPPED
        if self.failed is None:
            return "complete"
        return "partial" if self.done else FAILED

    def describe(self) -> str:
        """``created; lifecycle set; policy failed: <why>`` (``skipped: ...`` when skipped)."""
        if self.skipped:
            return "skipped: a change before it failed"
        parts = list(self.done)
        if self.failed is not None:
            parts.append(f"{self.failed} failed: {self.error}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.change.address,
            "action": self.change.action.value,
            "status": self.status,
            "done": list(self.done),
            "failed": self.failed,
            "error": self.error or None,
        }


@dataclass(frozen=True, slots=True)
class ApplyResult:
    succeeded: tuple[Change, ...] = ()
    failed: tuple[tuple[Change, str], ...] = ()
    skipped: tuple[Change, ...] = ()
    #: one report per change, in plan order.
    reports: tuple[ChangeReport, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped

    def totals(self) -> dict[str, int]:
        """Changes by status, and steps done, failed and not attempted (skipped changes)."""
        counts = dict.fromkeys(("complete", "partial", FAILED, SKIPPED), 0)
        for r in self.reports:
            counts[r.status] += 1
        return {
            **counts,
            "steps_done": sum(len(r.done) for r in self.reports),
            "steps_failed": sum(1 for r in self.reports if r.failed is not None),
        }

    def to_dict(self) -> dict[str, Any]:
        """The result as a document (``apply --format json``)."""
        return {
            "format_version": "1.0",
            "ok": self.ok,
            "totals": self.totals(),
            "changes": [r.to_dict() for r in self.reports],
        }


def unmet_guards(plan: Plan, *, allow_destroy: bool, force: bool) -> list[Guard]:
    """The guards neither the given flags nor the plan's approval (``plan.approved``) cover (a
    destructive change always needs ``--allow-destroy``, even in a plan that lost its guards;
    a secret shown only once needs a destination set now, whatever the plan says)."""
    allow_destroy = allow_destroy or "--allow-destroy" in plan.approved
    force = force or "--force" in plan.approved
    given = {
        "--allow-destroy": allow_destroy,
        "--force": force,
        SECRETS_FLAG: secret_destination_set(),  # never approved at plan time
    }
    unmet = [g for g in plan.guards if not given.get(g.flag, False)]
    guarded = {g.message for g in plan.guards if g.flag == "--allow-destroy"}
    if not allow_destroy:
        for c in plan.destructive:
            message = destroy_message(c)
            if message not in guarded:
                unmet.append(Guard(c.registry, "--allow-destroy", message))
    return unmet


def check_guards(plan: Plan, *, allow_destroy: bool, force: bool) -> None:
    """Raise :class:`UnsafePlanError` naming every guard the flags do not cover."""
    unmet = unmet_guards(plan, allow_destroy=allow_destroy, force=force)
    if unmet:
        flags = sorted({g.flag for g in unmet})
        lines = "\n".join(f"  {g.flag}: {g.message}" for g in unmet)
        raise UnsafePlanError(f"apply refused; it needs {' and '.join(flags)}:\n{lines}")


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, RegformError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _report(change: Change, future: Future[Sequence[str] | None]) -> ChangeReport:
    exc = future.exception()
    if exc is None:
        steps = future.result()
        return ChangeReport(change, tuple(steps) if steps else (DONE[change.action],))
    if isinstance(exc, PartialApplyError):
        return ChangeReport(change, exc.done, exc.failed, _error_text(exc))
    return ChangeReport(change, (), change.action.value, _error_text(exc))


def _run_phase(
    changes: Sequence[Change],
    providers: Mapping[str, Provider],
    progress: Progress,
    max_workers: int,
) -> list[ChangeReport]:
    reports: dict[int, ChangeReport] = {}
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="regform-apply") as pool:
        futures: dict[Future[Sequence[str] | None], int] = {}
        for i, change in enumerate(changes):
            progress(change, STARTED)
            futures[pool.submit(providers[change.registry].apply, change)] = i
        for future in as_completed(futures):
            i = futures[future]
            reports[i] = report = _report(changes[i], future)
            progress(changes[i], SUCCEEDED if report.failed is None else FAILED)
    return [reports[i] for i in sorted(reports)]


def _no_progress(change: Change, status: str) -> None:
    return None


def apply_plan(
    plan: Plan,
    providers: Mapping[str, Provider],
    *,
    allow_destroy: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    max_workers: int = MAX_WORKERS,
) -> ApplyResult:
    """Apply ``plan`` (see the module docstring). Raises before any write when unsafe."""
    check_guards(plan, allow_destroy=allow_destroy, force=force)
    if any(g.flag == SECRETS_FLAG for g in plan.guards):
        check_secret_destination()  # a secrets file it cannot write: before any change
    registries = sorted({c.registry for c in plan.changes})
    missing = [r for r in registries if r not in providers]
    if missing:
        raise RegformError(f"no provider for registry {', '.join(missing)}")
    for name in registries:
        providers[name].check_identity()

    report = progress or _no_progress
    reports: list[ChangeReport] = []
    for action in ACTION_ORDER:
        batch = [c for c in plan.changes if c.action is action]
        if not batch:
            continue
        if action is Action.DELETE and any(r.failed is not None for r in reports):
            for change in batch:
                reports.append(ChangeReport(change, skipped=True))
                report(change, SKIPPED)
            continue
        reports.extend(_run_phase(batch, providers, report, max_workers))
    return ApplyResult(
        succeeded=tuple(r.change for r in reports if r.status == "complete"),
        failed=tuple((r.change, r.error) for r in reports if r.failed is not None),
        skipped=tuple(r.change for r in reports if r.skipped),
        reports=tuple(reports),
    )
