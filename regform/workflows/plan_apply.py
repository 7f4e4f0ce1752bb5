"""The public workflow: make a plan, check a saved one, apply it.

::

    config = load_config(["regform.yaml"])
    providers = build_providers(config)
    plan = make_plan(config, providers)          # reads, compares, never writes
    text = render(plan, "text")
    result = apply_plan(plan, providers, allow_destroy=False)

A saved plan (``plan --out plan.json``) is applied only while it is current:
:func:`check_saved_plan` raises :class:`~regform.errors.StalePlanError` when the configuration or
a registry changed since it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from regform.config.build import desired_checksum
from regform.config.suggest import unknown_registries
from regform.errors import PlanAppliedError, RegformError, StalePlanError
from regform.model import Config, Image, RegistryConfig, RegistryState, Repository
from regform.plan import REPOSITORY, Plan, RepositoryPreview
from regform.plan.warnings import not_counted
from regform.planning.plan_compare import (
    WARNINGS,
    changed_files,
    describe,
    moved_state,
    plan_differences,
)
from regform.planning.planner import RegistryPlan, combine, plan_registry, state_checksum
from regform.planning.scope import (
    enforced_repositories,
    in_targets,
    pattern_repositories,
    unmatched_targets,
)
from regform.providers.base import Provider
from regform.version import __version__
from regform.workflows.applier import ApplyResult, apply_plan
from regform.workflows.concurrent import map_names
from regform.workflows.preview import PreviewScope, add_previews
from regform.workflows.reader import read_images, read_registry

__all__ = [
    "ApplyResult",
    "apply_plan",
    "approve",
    "check_saved_plan",
    "config_checksum",
    "make_plan",
]

#: called with (registry name, repositories found) after each registry's listing is read.
ReadProgress = Callable[[str, int], None]
#: called with the ``--target`` globs that matched no declared or existing repository.
TargetsUnmatched = Callable[[Sequence[str]], None]
#: registries read at the same time.
REGISTRY_WORKERS = 4


def config_checksum(config: Config) -> str:
    """The config's checksum (computed from the desired model when it was built in code)."""
    return config.checksum or desired_checksum(config.registries)


def _select(config: Config, registries: Iterable[str] | None) -> list[str]:
    if registries is None:
        return sorted(config.registries)
    names = list(dict.fromkeys(registries))
    unknown = [n for n in names if n not in config.registries]
    if unknown:
        raise unknown_registries(unknown, config.registries)
    return sorted(names)


def _provider(providers: Mapping[str, Provider], name: str) -> Provider:
    try:
        return providers[name]
    except KeyError:
        raise RegformError(f"no provider for registry {name}") from None


def desired_repositories(
    reg: RegistryConfig, provider: Provider, targets: Sequence[str] | None = None
) -> dict[str, Repository]:
    """The repositories declared by name in ``targets``, as the provider compares them (resolved
    names). Repositories matching pattern entries are added once the listing is read."""
    normalize = provider.normalize_desired
    return {n: normalize(r) for n, r in reg.repositories.items() if in_targets(n, targets)}


@dataclass(frozen=True, slots=True)
class RegistryRead:
    """What one registry read gives: the desired repositories as the provider compares them,
    the actual state, and the images of repositories whose lifecycle regform enforces."""

    desired: dict[str, Repository]
    state: RegistryState
    images: dict[str, list[Image]]

    def checksum(self, reg: RegistryConfig, targets: Sequence[str] | None) -> str:
        return state_checksum(self.state, reg, targets=targets, images=self.images)


def _read(reg: RegistryConfig, provider: Provider, targets: Sequence[str] | None) -> RegistryRead:
    provider.check_identity()  # the declared account, before anything is read
    desired = desired_repositories(reg, provider, targets)
    state = read_registry(reg, provider, desired=desired, targets=targets)
    matched = pattern_repositories(reg, state.repositories, desired)
    if matched:
        normalize = provider.normalize_desired
        desired.update({n: normalize(r) for n, r in matched.items()})
    enforced = enforced_repositories(desired, state, provider.capabilities)
    return RegistryRead(desired, state, read_images(provider, enforced))


def _read_all(
    config: Config,
    providers: Mapping[str, Provider],
    names: Sequence[str],
    targets: Sequence[str] | None,
    on_read: ReadProgress | None = None,
) -> dict[str, RegistryRead]:
    """Read several registries at the same time (each provider bounds its own calls)."""

    def one(name: str) -> RegistryRead:
        result = _read(config.registries[name], _provider(providers, name), targets)
        if on_read is not None:
            on_read(name, len(result.state.repositories))
        return result

    return map_names(one, names, workers=REGISTRY_WORKERS, thread_name="regform-read")


def _api_calls(providers: Iterable[Provider]) -> dict[str, int]:
    """Calls made per operation, over ``providers``."""
    total: dict[str, int] = {}
    for provider in providers:
        for op, n in provider.api_calls().items():
            total[op] = total.get(op, 0) + n
    return total


def make_plan(
    config: Config,
    providers: Mapping[str, Provider],
    *,
    registries: Iterable[str] | None = None,
    targets: Sequence[str] | None = None,
    lifecycle_preview: bool | None = None,
    now: datetime | None = None,
    on_read: ReadProgress | None = None,
    on_unmatched: TargetsUnmatched | None = None,
) -> Plan:
    """Read the registries and compare them with ``config``. Never writes.

    ``registries`` limits the registries planned; ``targets`` (globs) the repositories: others are
    neither read in detail, nor changed, nor reported. ``lifecycle_preview`` says which lifecycle
    policies are evaluated against the repository's images (:mod:`regform.workflows.preview`): by
    default (None) those that change; True: also every unchanged managed one; False: none. ``now``
    (default: the clock) is the time policies are evaluated at. ``on_unmatched`` is called
    with the ``targets`` that select no repository declared in or found in the registries
    planned (a mistyped glob plans nothing, and says so).
    """
    names = _select(config, registries)
    now = now or datetime.now(UTC)
    scope = PreviewScope.of(lifecycle_preview)
    plans: dict[str, RegistryPlan] = {}
    previews: list[RepositoryPreview] = []
    checksums: dict[str, str] = {}
    read = _read_all(config, providers, names, targets, on_read)
    _check_targets(config, names, read, targets, on_unmatched)
    for name in names:
        reg = config.registries[name]
        provider = providers[name]
        got = read[name]
        rp = _plan(reg, got.state, provider, got, now, targets)
        rp = _count_images(rp, reg, got, provider, now, targets)
        rp, unchanged = add_previews(name, rp, got.desired, got.state, provider, now, scope)
        previews.extend(unchanged)
        plans[name] = rp
        checksums[name] = got.checksum(reg, targets)
    plan = combine(
        plans,
        registries={n: config.registries[n].provider for n in names},
        config_checksum=config_checksum(config),
        state_checksums=checksums,
        api_calls=_api_calls(providers[name] for name in names),
        regform_version=__version__,
        created_at=now.isoformat(timespec="seconds"),
        targets=tuple(targets or ()),
    )
    identities = {n: providers[n].identity() for n in names}
    return replace(
        plan,
        lifecycle_previews=tuple(previews),
        identities=identities,
        warnings=(*config.warnings, *plan.warnings),
        config_files=dict(config.file_checksums),
    )


def _check_targets(
    config: Config,
    names: Sequence[str],
    read: Mapping[str, RegistryRead],
    targets: Sequence[str] | None,
    on_unmatched: TargetsUnmatched | None,
) -> None:
    if on_unmatched is None or not targets:
        return
    known: set[str] = set()
    for name in names:
        known.update(config.registries[name].repositories, read[name].desired)
        known.update(read[name].state.repositories)
    missed = unmatched_targets(targets, known)
    if missed:
        on_unmatched(missed)


def _plan(
    reg: RegistryConfig,
    state: RegistryState,
    provider: Provider,
    got: RegistryRead,
    now: datetime,
    targets: Sequence[str] | None,
) -> RegistryPlan:
    return plan_registry(
        reg,
        state,
        provider.capabilities,
        desired=got.desired,
        targets=targets,
        images=got.images,
        now=now,
    )


def _count_images(
    rp: RegistryPlan,
    reg: RegistryConfig,
    got: RegistryRead,
    provider: Provider,
    now: datetime,
    targets: Sequence[str] | None,
) -> RegistryPlan:
    """Count the images of every repository the plan deletes or replaces, and plan again with
    the counts (the plan records them; a saved plan is refused when a count grew)."""
    names = [
        c.name
        for c in rp.changes
        if c.kind == REPOSITORY and c.destructive and c.image_count is None
    ]
    if not names:
        return rp
    repos = dict(got.state.repositories)
    failed: list[str] = []
    for name in names:
        try:
            count = len(provider.list_images(name))
        except (RegformError, NotImplementedError, OSError) as exc:
            failed.append(not_counted(f"{provider.registry}/{name}", exc))
            continue
        repo = repos[name]
        repos[name] = replace(repo, info={**repo.info, "image_count": count})
    again = _plan(reg, replace(got.state, repositories=repos), provider, got, now, targets)
    return replace(again, warnings=(*again.warnings, *failed))


def approve(plan: Plan, *, allow_destroy: bool = False, force: bool = False) -> Plan:
    """The plan with the guard flags given at plan time recorded as approved: applying it
    (saved) then needs them no more. Every renderer shows the approval."""
    flags = [f for f, given in (("--allow-destroy", allow_destroy), ("--force", force)) if given]
    return replace(plan, approved=tuple(flags))


def check_saved_plan(
    plan: Plan,
    config: Config,
    providers: Mapping[str, Provider],
    *,
    on_read: ReadProgress | None = None,
) -> Plan:
    """The plan to apply for a saved ``plan``: made again from ``config`` and the registries as
    they are now, at the time the saved plan was made. Raises :class:`StalePlanError`, before
    any write, unless it has exactly the saved plan's changes, guards and registry identities,
    and shows the same previews and notes (:mod:`regform.planning.plan_compare`), and every
    registry read the same; the error names every difference (:class:`PlanAppliedError` when the
    configuration is the saved plan's, which had changes, and a plan made now has none: nothing
    is left to write). The returned plan carries the saved plan's approval."""
    if plan.config_checksum != config_checksum(config):
        raise StalePlanError(
            "saved plan is stale: the configuration changed since the plan was made"
            f"{changed_files(plan.config_files, config.file_checksums)}; run plan again"
        )
    names = sorted(plan.registries.keys() | plan.state_checksums.keys())
    gone = [n for n in names if n not in config.registries]
    if gone:
        raise StalePlanError(
            f"saved plan is stale: registry {', '.join(gone)} is no longer declared"
        )
    moved = moved_state(plan, {n: providers[n].identity() for n in names if n in providers})
    if moved:
        raise StalePlanError(
            f"saved plan is stale: {'; '.join(moved)}; nothing was applied: apply from the "
            "directory plan ran in, or set REGFORM_SANDBOX_DIR to the plan's"
        )
    fresh = make_plan(
        config,
        providers,
        registries=names,
        targets=plan.targets or None,
        # the previews the reviewer read are made again, to be compared (none: none read)
        lifecycle_preview=None if any(c.preview for c in plan.changes) else False,
        now=_planned_at(plan),
        on_read=on_read,
    )
    words = {n: providers[n].capabilities.preview_words for n in names if n in providers}
    differences = plan_differences(plan, fresh, words)
    if not differences:
        differences = {
            n: [] for n in names if fresh.state_checksums.get(n) != plan.state_checksums.get(n)
        }
    if differences and plan.has_changes and not fresh.has_changes:
        raise PlanAppliedError(ALREADY_APPLIED)
    if differences:
        raise StalePlanError(_stale_message(differences))
    return replace(fresh, approved=plan.approved, config_paths=plan.config_paths)


ALREADY_APPLIED = (
    "Nothing to apply: the registries already match this plan's configuration "
    "(it was applied already?)"
)


def _planned_at(plan: Plan) -> datetime | None:
    try:
        when = datetime.fromisoformat(plan.created_at)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _stale_message(differences: Mapping[str, list[str]]) -> str:
    named = [n for n in differences if n != WARNINGS]
    which = f"registr{'ies' if len(named) > 1 else 'y'} {', '.join(named)}"
    if not named:
        which = "its warnings"
    elif WARNINGS in differences:
        which += " (and its warnings)"
    detail = describe(differences)
    text = (
        f"saved plan is stale: {which} changed since the plan was made, or the plan file was "
        "edited; nothing was applied; run plan again"
    )
    if detail:
        return f"{text}. Differences (saved plan vs a plan made now):\n{detail}"
    return f"{text} (a value the plan read differs, though its changes are the same)"
