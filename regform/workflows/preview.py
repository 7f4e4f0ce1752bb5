"""Lifecycle previews: what a lifecycle policy would do to a repository's images right now.

A lifecycle policy deletes images, so the plan says how many images each new or changed policy
would expire (or archive) now, how many it keeps, and which ones. Reading a repository's images
costs API calls (DescribeImages, archived images included), so :func:`add_previews` reads them
only for the repositories a run asks about (:class:`PreviewScope`):

* ``CHANGED`` (the default of ``regform plan``): repositories whose lifecycle policy changes. A
  repository being created has no images yet: its preview is "0 images", with no call made;
* ``MANAGED`` (``--lifecycle-preview``): also every existing repository whose lifecycle policy is
  managed and unchanged (what the registry is about to do on its own). A repository the plan
  does not otherwise change gets a :class:`~regform.plan.RepositoryPreview` of its own;
* ``OFF`` (``--no-lifecycle-preview``): none.

Only registries that evaluate lifecycle policies themselves are previewed; on the others regform
enforces the policy and its image-deletion change lists every image
(:mod:`regform.planning.retention`). A failure to read a repository's images never fails the plan:
it becomes a warning.

:func:`preview_repository` is the full list for one repository (``regform lifecycle preview``):
every image with what the declared policy (or the one in the registry) does to it, and the rule
that decided it.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from regform import model as m
from regform.config.suggest import unknown_registries
from regform.errors import RegformError
from regform.lifecycle import Evaluation, Verdict, evaluate
from regform.model import Capabilities, Config, Image, RegistryState, Repository
from regform.plan import (
    LIFECYCLE_WORDS,
    REPOSITORY,
    Action,
    Change,
    LifecyclePreview,
    PreviewWords,
    RepositoryPreview,
)
from regform.plan.warnings import preview_unavailable
from regform.planning.planner import RegistryPlan
from regform.planning.scope import declared_repository
from regform.providers.base import Provider
from regform.workflows.concurrent import map_names
from regform.workflows.preview_facts import read_facts
from regform.workflows.preview_report import PolicySource as PolicySource
from regform.workflows.preview_report import RepositoryReport as RepositoryReport

#: images of each action named in a preview inside a plan (oldest first).
PREVIEW_SAMPLE = 10
#: repositories whose images are read at the same time for previews.
PREVIEW_WORKERS = 8
#: errors that turn a preview into a warning instead of failing the plan.
PREVIEW_ERRORS: tuple[type[Exception], ...] = (
    RegformError,
    NotImplementedError,
    OSError,
    ValueError,
)


class PreviewScope(StrEnum):
    OFF = "off"
    CHANGED = "changed"
    MANAGED = "managed"

    @classmethod
    def of(cls, flag: bool | None) -> PreviewScope:
        """The scope of a ``--lifecycle-preview/--no-lifecycle-preview`` flag (None: not given)."""
        if flag is None:
            return cls.CHANGED
        return cls.MANAGED if flag else cls.OFF


def image_entry(verdict: Verdict) -> dict[str, Any]:
    """One affected image as a preview sample names it."""
    image = verdict.image
    return {
        "digest": image.digest,
        "tags": list(image.tags),
        "pushed_at": image.pushed_at.isoformat(),
        "action": verdict.action,
        "rule_priority": verdict.rule_priority,
    }


def summarize(
    result: Evaluation, total: int, words: PreviewWords = LIFECYCLE_WORDS
) -> LifecyclePreview:
    """The counts of an evaluation and its oldest few affected images of each action, to be
    shown in ``words`` (the registry's)."""
    expired, transitioned = result.expired, result.transitioned
    sample = [*expired[:PREVIEW_SAMPLE], *transitioned[:PREVIEW_SAMPLE]]
    return LifecyclePreview(
        total=total,
        expire=len(expired),
        transition=len(transitioned),
        keep=len(result.kept),
        sample=tuple(map(image_entry, sample)),
        words=words,
        kept_because=result.kept_because,
    )


def engine(caps: Capabilities) -> Any:
    """The module that evaluates this provider's lifecycle documents (``evaluate``,
    ``explain``): ECR's algorithm unless the provider names its own."""
    return importlib.import_module(caps.lifecycle_engine)


def preview_images(
    policy: Mapping[str, Any],
    images: Sequence[Image],
    now: datetime,
    caps: Capabilities | None = None,
) -> LifecyclePreview:
    """What ``policy`` would do to ``images`` at ``now`` (under the provider's algorithm, in
    its words; ECR's without ``caps``)."""
    if caps is None:
        return summarize(evaluate(policy, images, now), len(images))
    result = engine(caps).evaluate(policy, images, now)
    return summarize(result, len(images), caps.preview_words)


def empty_preview(caps: Capabilities) -> LifecyclePreview:
    """The preview of a repository with nothing to read yet (being created)."""
    return LifecyclePreview(total=0, expire=0, transition=0, keep=0, words=caps.preview_words)


def _policy(repo: Repository | None) -> dict[str, Any] | None:
    if repo is None or m.LIFECYCLE_POLICY not in repo.managed:
        return None
    return repo.lifecycle_policy


def _policy_changes(change: Change, deciding: frozenset[str]) -> bool:
    """Whether the change touches what decides what the policy removes: the policy, or a field
    its engine reads besides (Harbor's immutable rules)."""
    return any(f.path.split(".")[0].split("[")[0] in deciding for f in change.fields)


def _to_read(
    rp: RegistryPlan,
    desired: Mapping[str, Repository],
    state: RegistryState,
    scope: PreviewScope,
    deciding: frozenset[str] = frozenset({m.LIFECYCLE_POLICY}),
) -> dict[str, dict[str, Any]]:
    """Repository name -> policy, for every existing repository whose images a preview needs."""
    changed = {c.name: c for c in rp.changes if c.kind == REPOSITORY}
    wanted: dict[str, dict[str, Any]] = {}
    for name, repo in sorted(desired.items()):
        policy = _policy(repo)
        if policy is None or name not in state.repositories:
            continue
        change = changed.get(name)
        if change is not None and change.action is not Action.UPDATE:
            continue  # replaced: every image goes anyway
        if scope is PreviewScope.MANAGED or (
            change is not None and _policy_changes(change, deciding)
        ):
            wanted[name] = policy
    return wanted


def _read_all(
    provider: Provider,
    names: Sequence[str],
    desired: Mapping[str, Repository],
    state: RegistryState,
) -> dict[str, tuple[list[Image], dict[str, Any]] | Exception]:
    """The images of each repository and the facts in effect after apply that its engine
    needs (:mod:`regform.workflows.preview_facts`), or the error reading them (concurrently)."""
    fields = engine(provider.capabilities).PREVIEW_FIELDS

    def one(name: str) -> tuple[list[Image], dict[str, Any]] | Exception:
        try:
            actual = state.repositories.get(name)
            facts = read_facts(provider, fields, name, desired.get(name), actual)
            return provider.list_images(name), facts
        except PREVIEW_ERRORS as exc:
            return exc

    return map_names(one, names, workers=PREVIEW_WORKERS, thread_name="regform-preview")


def add_previews(
    registry: str,
    rp: RegistryPlan,
    desired: Mapping[str, Repository],
    state: RegistryState,
    provider: Provider,
    now: datetime,
    scope: PreviewScope = PreviewScope.CHANGED,
) -> tuple[RegistryPlan, tuple[RepositoryPreview, ...]]:
    """``rp`` with lifecycle previews on its changes (and warnings for previews that failed),
    and the previews of repositories it does not change (see the module docstring)."""
    caps = provider.capabilities
    if scope is PreviewScope.OFF or not caps.native_lifecycle:
        return rp, ()
    if m.LIFECYCLE_POLICY not in caps.fields:
        return rp, ()
    deciding = frozenset({m.LIFECYCLE_POLICY}) | engine(caps).PREVIEW_FIELDS
    wanted = _to_read(rp, desired, state, scope, deciding)
    images = _read_all(provider, list(wanted), desired, state)
    warnings = list(rp.warnings)
    previews: dict[str, LifecyclePreview] = {}
    for name, policy in wanted.items():
        found = images[name]
        try:
            if isinstance(found, Exception):
                raise found
            evaluated = engine(caps).in_effect(policy, found[1])
            previews[name] = preview_images(evaluated, found[0], now, caps)
        except PREVIEW_ERRORS as exc:
            warnings.append(preview_unavailable(f"{registry}/{name}", exc))

    def with_preview(change: Change) -> Change:
        if change.kind != REPOSITORY:
            return change
        if change.action is Action.CREATE and _policy(desired.get(change.name)) is not None:
            return dataclasses.replace(change, preview=empty_preview(caps))
        preview = previews.pop(change.name, None)
        return change if preview is None else dataclasses.replace(change, preview=preview)

    changes = tuple(map(with_preview, rp.changes))
    unchanged = tuple(
        RepositoryPreview(registry, name, preview, desired[name].lifecycle_name)
        for name, preview in sorted(previews.items())
    )
    planned = RegistryPlan(changes, rp.unmanaged, rp.guards, tuple(warnings))
    return planned, unchanged


# One repository, in full: ``regform lifecycle preview`` ---------------------------------------


def registry_for(config: Config, repository: str, registry: str | None) -> str:
    """The registry to preview ``repository`` in: ``registry`` when given, else the one registry
    that declares it (by name or pattern entry), else the only registry configured."""
    if registry is not None:
        if registry not in config.registries:
            raise unknown_registries([registry], config.registries)
        return registry
    found = sorted(
        name
        for name, reg in config.registries.items()
        if declared_repository(repository, reg) is not None
    )
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise RegformError(
            f"{repository} is declared in several registries ({', '.join(found)}); "
            "choose one with --registry"
        )
    if len(config.registries) == 1:
        return next(iter(config.registries))
    raise RegformError(
        f"{repository} is not declared in the configuration; name its registry with --registry"
    )


def _declared_policy(config: Config, registry: str, repository: str) -> tuple[Any, str | None]:
    declared = declared_repository(repository, config.registries[registry])
    if declared is None:
        raise RegformError(f"{registry}/{repository} is not declared in the configuration")
    policy = _policy(declared)
    if policy is None:
        raise RegformError(
            f"{registry}/{repository} declares no lifecycle policy "
            "(use --policy-from registry to preview the one in the registry)"
        )
    return policy, declared.lifecycle_name


def _registry_policy(provider: Provider, registry: str, repository: str) -> tuple[Any, Any]:
    """The policy the registry holds, and the facts it holds that its engine needs."""
    if not provider.capabilities.native_lifecycle:
        raise RegformError(
            f"registry {registry} keeps no lifecycle policy of its own (regform enforces the "
            "declared one): use --policy-from config"
        )
    fields = engine(provider.capabilities).PREVIEW_FIELDS
    found = provider.read_details({repository: frozenset({m.LIFECYCLE_POLICY}) | fields})
    repo = found.get(repository)
    if repo is None:
        raise RegformError(f"repository {repository} not found in registry {registry}")
    if repo.lifecycle_policy is None:
        raise RegformError(f"{registry}/{repository} has no lifecycle policy in the registry")
    return repo.lifecycle_policy, read_facts(provider, fields, repository, None, repo)


def preview_repository(
    config: Config,
    provider: Provider,
    registry: str,
    repository: str,
    *,
    source: PolicySource = PolicySource.CONFIG,
    now: datetime,
) -> RepositoryReport:
    """What the declared (or the registry's own) lifecycle policy does to every image of
    ``repository`` at ``now``. Reads the images (and, for the registry's policy, the policy)."""
    name: str | None = None
    rules = engine(provider.capabilities)
    if source is PolicySource.CONFIG:
        policy, name = _declared_policy(config, registry, repository)
        declared = declared_repository(repository, config.registries[registry])
        facts = read_facts(provider, rules.PREVIEW_FIELDS, repository, declared)
    else:
        policy, facts = _registry_policy(provider, registry, repository)
    images = provider.list_images(repository)
    try:
        decisions = rules.explain(rules.in_effect(policy, facts), images, now)
    except ValueError as exc:
        raise RegformError(f"{registry}/{repository}: {exc}") from exc
    return RepositoryReport(
        registry,
        repository,
        source,
        policy,
        now,
        decisions,
        name,
        image_time=provider.capabilities.image_time,
        words=provider.capabilities.preview_words,
    )
