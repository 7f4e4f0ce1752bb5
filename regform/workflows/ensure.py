"""On-demand repositories: make named repositories exist as the config declares them.

The CI step before a first push (``regform ensure apps/web``). For each name, :func:`resolve`
finds the registry whose scope holds it and the declaration that covers it: a ``name:`` entry,
or else the first ``pattern:`` entry that matches (its cache companion comes along when the entry
has ``cache: true``). Then :func:`ensure` reads only those repositories (DescribeRepositories by
name, plus the details their managed fields need) and:

* creates a missing one, with the config's settings and the ownership tag (``created``);
* leaves one that exists and matches alone (``matches``);
* updates in place one that exists and differs: the config is the source of truth, exactly as
  ``apply`` would do for that repository; the outcome lists what changed (``updated``);
* changes nothing on one that only a replace could make match (encryption is fixed at creation
  and a replace deletes every image): ``needs-replace``; run ``plan``/``apply --allow-destroy``.

It never lists the registry, never touches registry settings or any other repository. On a
registry that cannot create repositories (an OCI distribution registry creates them on first
push) there is nothing to do (``on-push``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from regform.config.repositories import name_problem
from regform.config.suggest import unknown_registries
from regform.errors import RegformError
from regform.model import Config, RegistryConfig, RegistryState, Repository
from regform.plan import REPOSITORY, Action, Change
from regform.planning.planner import RegistryPlan, combine, plan_registry
from regform.planning.scope import in_scope, managed_fields, patterns_for
from regform.providers.base import Provider
from regform.workflows.applier import apply_plan


class Status(StrEnum):
    CREATED = "created"
    MATCHES = "matches"
    UPDATED = "updated"
    NEEDS_REPLACE = "needs-replace"
    ON_PUSH = "on-push"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Request:
    """One repository to ensure, and what declares it."""

    registry: str
    name: str
    desired: Repository
    #: "name" or "pattern apps/*"
    declared_by: str
    #: the cache companion of another requested repository
    companion: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    request: Request
    status: Status
    #: the change made (or, for needs-replace, the one that was not)
    change: Change | None = None
    error: str = ""

    @property
    def address(self) -> str:
        return f"{self.request.registry}/{self.request.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.request.registry,
            "name": self.request.name,
            "status": self.status.value,
            "declared_by": self.request.declared_by,
            "companion": self.request.companion,
            "change": self.change.to_dict() if self.change is not None else None,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class EnsureResult:
    outcomes: tuple[Outcome, ...] = ()
    #: API calls made, by operation.
    api_calls: Mapping[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """1 when something failed, 2 when a repository needs a replace, else 0."""
        if any(o.status is Status.FAILED for o in self.outcomes):
            return 1
        if any(o.status is Status.NEEDS_REPLACE for o in self.outcomes):
            return 2
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcomes": [o.to_dict() for o in self.outcomes],
            "api_calls": dict(self.api_calls),
            "exit_code": self.exit_code,
        }


# Resolution ---------------------------------------------------------------------------------


def _declaration(name: str, reg: RegistryConfig) -> tuple[Repository, str] | None:
    declared = reg.repositories.get(name)
    if declared is not None:
        return declared, "name"
    found = patterns_for(name, reg)
    if not found:
        return None
    return found[0].repository(name), f"pattern {found[0].pattern}"


def _companion(request: Request, reg: RegistryConfig) -> Request | None:
    """The cache companion of a requested repository, when its entry declares one."""
    name = request.name + reg.cache_suffix
    if request.declared_by == "name":
        declared = reg.repositories.get(name)
        if declared is None:
            return None
        return Request(reg.name, name, declared, "name", companion=True)
    pattern = next(p for p in reg.patterns if f"pattern {p.pattern}" == request.declared_by)
    if not pattern.cache or not in_scope(name, reg) or name_problem(reg.provider, name):
        return None
    return Request(reg.name, name, pattern.repository(name), request.declared_by, companion=True)


def _resolve_one(name: str, registries: Sequence[RegistryConfig]) -> Request | str:
    """The request for ``name``, or why there is none."""
    inside = [reg for reg in registries if in_scope(name, reg)]
    if not inside:
        scopes = "; ".join(f"{r.name}: {', '.join(r.scope)}" for r in registries)
        return f"{name}: outside the scope of every registry ({scopes})"
    covered = [(reg, d) for reg in inside if (d := _declaration(name, reg)) is not None]
    if not covered:
        which = ", ".join(r.name for r in inside)
        return (
            f"{name}: inside the scope of {which} but no repository entry declares it "
            "(add a name: or pattern: entry)"
        )
    if len(covered) > 1:
        which = ", ".join(reg.name for reg, _ in covered)
        return f"{name}: declared in several registries ({which}); choose one with --registry"
    reg, (repo, declared_by) = covered[0]
    problem = name_problem(reg.provider, name)
    if problem:
        return f"{name}: the repository name {problem}"
    return Request(reg.name, name, repo, declared_by)


def resolve(
    config: Config, names: Iterable[str], *, registries: Sequence[str] | None = None
) -> list[Request]:
    """What to ensure for ``names`` (companions included, each name once). Raises
    :class:`RegformError` naming every name that cannot be ensured, and why."""
    if registries:
        unknown = [r for r in registries if r not in config.registries]
        if unknown:
            raise unknown_registries(unknown, config.registries)
    selected = [
        reg for n, reg in sorted(config.registries.items()) if not registries or n in registries
    ]
    requests: dict[tuple[str, str], Request] = {}
    problems: list[str] = []
    for name in dict.fromkeys(names):
        found = _resolve_one(name, selected)
        if isinstance(found, str):
            problems.append(found)
            continue
        requests.setdefault((found.registry, found.name), found)
        companion = _companion(found, config.registries[found.registry])
        if companion is not None:
            requests.setdefault((companion.registry, companion.name), companion)
    if problems:
        raise RegformError("cannot ensure:\n  " + "\n  ".join(problems))
    return list(requests.values())


# Ensuring -----------------------------------------------------------------------------------


def _ensure_registry(
    reg: RegistryConfig, provider: Provider, requests: Sequence[Request]
) -> list[Outcome]:
    caps = provider.capabilities
    if not caps.can_create:
        return [Outcome(r, Status.ON_PUSH) for r in requests]
    normalize = provider.normalize_desired
    desired = {r.name: normalize(r.desired) for r in requests}
    wanted = {n: managed_fields(d, reg, caps) - caps.listing_fields for n, d in desired.items()}
    found = provider.read_named(wanted)
    # Only these repositories: no settings, no other declarations, nothing to prune.
    alone = dataclasses.replace(reg, repositories={}, patterns=(), settings={}, prune=False)
    planned = plan_registry(alone, RegistryState(found), caps, desired=desired)
    changes = {c.name: c for c in planned.changes if c.kind == REPOSITORY}
    to_apply = tuple(c for c in changes.values() if c.action in (Action.CREATE, Action.UPDATE))
    errors: dict[str, str] = {}
    if to_apply:
        plan = combine({reg.name: RegistryPlan(changes=to_apply)}, registries={reg.name: ""})
        result = apply_plan(plan, {reg.name: provider})
        errors = {c.name: error for c, error in result.failed}
    outcomes: list[Outcome] = []
    for request in requests:
        change = changes.get(request.name)
        if change is None:
            outcomes.append(Outcome(request, Status.MATCHES))
        elif request.name in errors:
            outcomes.append(Outcome(request, Status.FAILED, change, errors[request.name]))
        elif change.action is Action.CREATE:
            outcomes.append(Outcome(request, Status.CREATED, change))
        elif change.action is Action.UPDATE:
            outcomes.append(Outcome(request, Status.UPDATED, change))
        else:
            outcomes.append(Outcome(request, Status.NEEDS_REPLACE, change))
    return outcomes


def ensure(
    config: Config,
    providers: Mapping[str, Provider],
    names: Iterable[str],
    *,
    registries: Sequence[str] | None = None,
) -> EnsureResult:
    """Make each named repository exist as declared (see the module docstring)."""
    requests = resolve(config, names, registries=registries)
    by_registry: dict[str, list[Request]] = {}
    for request in requests:
        by_registry.setdefault(request.registry, []).append(request)
    outcomes: list[Outcome] = []
    for name in sorted(by_registry):
        if name not in providers:
            raise RegformError(f"no provider for registry {name}")
        outcomes.extend(
            _ensure_registry(config.registries[name], providers[name], by_registry[name])
        )
    order = {(r.registry, r.name): i for i, r in enumerate(requests)}
    outcomes.sort(key=lambda o: order[(o.request.registry, o.request.name)])
    api_calls: dict[str, int] = {}
    for name in by_registry:
        for op, n in providers[name].api_calls().items():
            api_calls[op] = api_calls.get(op, 0) + n
    return EnsureResult(tuple(outcomes), api_calls)
