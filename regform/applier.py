"""Carry out a plan, safely.

Before any write: every guard in the plan must be covered by the flag it names (``--allow-destroy``,
``--force``), given now or approved when the plan was made (``Plan.approved``), else
:class:`~regform.errors.UnsafePlanError`; then every registry about to be
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

from regform.errors import RegformError, UnsafePlanError
from regform.plan import ACTION_ORDER, Action, Change, Guard, Plan
from regform.providers.base import Provider

#: progress statuses passed to the ``progress(change, status)`` callback.
STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"

Progress = Callable[[Change, str], None]

#: how many changes run at the same time.
MAX_WORKERS = 4


@dataclass(frozen=True, slots=True)
class ApplyResult:
    succeeded: tuple[Change, ...] = ()
    failed: tuple[tuple[Change, str], ...] = ()
    skipped: tuple[Change, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


def unmet_guards(plan: Plan, *, allow_destroy: bool, force: bool) -> list[Guard]:
    """The guards neither the given flags nor the plan's approval (``plan.approved``) cover (a
    destructive change always needs ``--allow-destroy``, even in a plan that lost its guards)."""
    allow_destroy = allow_destroy or "--allow-destroy" in plan.approved
    force = force or "--force" in plan.approved
    given = {"--allow-destroy": allow_destroy, "--force": force}
    unmet = [g for g in plan.guards if not given.get(g.flag, False)]
    guarded = {g.message for g in plan.guards if g.flag == "--allow-destroy"}
    if not allow_destroy:
        for c in plan.destructive:
            message = (
                f"{c.address} will be {'deleted' if c.action is Action.DELETE else 'replaced'}"
            )
            if not any(c.address in m for m in guarded):
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


def _run_phase(
    changes: Sequence[Change],
    providers: Mapping[str, Provider],
    progress: Progress,
    max_workers: int,
) -> tuple[list[Change], list[tuple[Change, str]]]:
    done: list[Change] = []
    failed: list[tuple[Change, str]] = []
    with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="regform-apply") as pool:
        futures: dict[Future[None], Change] = {}
        for change in changes:
            progress(change, STARTED)
            futures[pool.submit(providers[change.registry].apply, change)] = change
        for future in as_completed(futures):
            change = futures[future]
            exc = future.exception()
            if exc is None:
                done.append(change)
                progress(change, SUCCEEDED)
            else:
                failed.append((change, _error_text(exc)))
                progress(change, FAILED)
    order = {id(c): i for i, c in enumerate(changes)}
    done.sort(key=lambda c: order[id(c)])
    failed.sort(key=lambda f: order[id(f[0])])
    return done, failed


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
    registries = sorted({c.registry for c in plan.changes})
    missing = [r for r in registries if r not in providers]
    if missing:
        raise RegformError(f"no provider for registry {', '.join(missing)}")
    for name in registries:
        providers[name].check_identity()

    report = progress or _no_progress
    succeeded: list[Change] = []
    failed: list[tuple[Change, str]] = []
    skipped: list[Change] = []
    for action in ACTION_ORDER:
        batch = [c for c in plan.changes if c.action is action]
        if not batch:
            continue
        if action is Action.DELETE and failed:
            for change in batch:
                skipped.append(change)
                report(change, SKIPPED)
            continue
        done, bad = _run_phase(batch, providers, report, max_workers)
        succeeded.extend(done)
        failed.extend(bad)
    return ApplyResult(tuple(succeeded), tuple(failed), tuple(skipped))
