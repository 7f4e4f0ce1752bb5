"""Drift: what changed in a registry outside regform. Pure data, seen from the other side of a plan.

A plan says how to turn what was found into what is declared; a drift report says how what was
found departs from what is declared. Each drifted thing is a :class:`DriftItem`:

* ``changed``: a declared repository or registry setting exists but differs; each
  :class:`DriftField` names the field with the declared value and the value found (tags per key:
  ``tags.team``). Documents (policies, lifecycle) carry ``diff`` lines read from declared to
  found: ``+`` added outside regform, ``-`` removed, ``~`` changed. Where the plan shows a field
  in the config's words, so does the field's ``display`` (a lifecycle policy declared with
  readable rules: ``~ rules[2].older_than_days: 14 -> 10``; a KMS key declared by alias);
* ``missing``: declared but not found (a repository, a registry policy, a pull-through rule...);
* ``unexpected``: found but declared absent (``registry_policy: none``; with ``prune``, a
  pull-through cache rule or creation template nobody declares).

Repositories nobody declares are :class:`~regform.plan.Unmanaged`: inside a registry's scope
(regform would own them: someone created them by hand, or forgot to declare them) or outside it
(another team's; listed for information). On a registry without native lifecycle (regform
enforces the declared retention), images the retention rules would delete now -- typically pushed
since the last apply -- are drift of kind ``images``: the registry holds what its declared
lifecycle does not allow; each is named with its digest, tags, time and the rule.

:func:`drift_from_plan` builds a report from a :class:`~regform.plan.Plan`, :func:`detect_drift`
from one registry's desired and actual state, :func:`make_drift_report` reads the registries
(never writing to them). ``DriftReport.exit_code(fail_on)`` is what ``regform drift`` exits with.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from regform import model as m
from regform.documents.docdiff import diff_documents
from regform.documents.normalize import (
    display_form,
    normalize_iam_policy,
    normalize_lifecycle_policy,
)
from regform.model import Capabilities, FailOn, RegistryConfig, RegistryState, Repository
from regform.plan import (
    IMAGES,
    REPOSITORY,
    Action,
    Addressed,
    Change,
    FieldChange,
    Plan,
    Unmanaged,
    document_header,
)
from regform.planning.compare import declared_key, encryption_sides, tag_diff
from regform.planning.lifecycle_display import lifecycle_display
from regform.planning.planner import combine, plan_registry
from regform.planning.scope import declared_repository
from regform.providers import CAPABILITIES
from regform.registry_settings import REGISTRY_POLICY

if TYPE_CHECKING:
    from regform.model import Config
    from regform.providers.base import Provider
    from regform.workflows.plan_apply import ReadProgress, TargetsUnmatched

FORMAT_VERSION = "1.1"  # 1.1: fields[].display
PRUNED_REASON = "not declared; apply deletes it (prune is on)"


class DriftStatus(StrEnum):
    CHANGED = "changed"
    MISSING = "missing"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True, slots=True)
class DriftField:
    path: str
    declared: Any
    found: Any
    #: readable differences from declared to found, for documents and lists
    diff: tuple[str, ...] = ()
    #: the same difference in the words of the config, where it has its own (as in a plan)
    display: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "declared": self.declared, "found": self.found}
        if self.diff:
            out["diff"] = list(self.diff)
        if self.display:
            out["display"] = list(self.display)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DriftField:
        diff, display = tuple(d.get("diff", ())), tuple(d.get("display", ()))
        return cls(d["path"], d.get("declared"), d.get("found"), diff, display)


@dataclass(frozen=True, slots=True)
class DriftItem(Addressed):
    status: DriftStatus
    fields: tuple[DriftField, ...] = ()
    #: the name of the lifecycle/policy definition the field comes from, for display
    definitions: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.identity(),
            "status": self.status.value,
            "fields": [f.to_dict() for f in self.fields],
            "definitions": dict(self.definitions),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DriftItem:
        return cls(
            **Addressed.identity_of(d),
            status=DriftStatus(d["status"]),
            fields=tuple(DriftField.from_dict(f) for f in d.get("fields", ())),
            definitions=dict(d.get("definitions") or {}),
        )


@dataclass(frozen=True, slots=True)
class DriftReport:
    items: tuple[DriftItem, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    warnings: tuple[str, ...] = ()
    #: registry name -> provider name
    registries: Mapping[str, str] = field(default_factory=dict)
    #: API calls made while reading, by operation
    api_calls: Mapping[str, int] = field(default_factory=dict)
    regform_version: str = ""
    created_at: str = ""
    targets: tuple[str, ...] = ()

    @property
    def unmanaged_in_scope(self) -> tuple[Unmanaged, ...]:
        return tuple(u for u in self.unmanaged if u.in_scope)

    @property
    def unmanaged_outside_scope(self) -> tuple[Unmanaged, ...]:
        return tuple(u for u in self.unmanaged if not u.in_scope)

    @property
    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in DriftStatus}
        for item in self.items:
            counts[item.status.value] += 1
        counts["unmanaged_in_scope"] = len(self.unmanaged_in_scope)
        counts["unmanaged_outside_scope"] = len(self.unmanaged_outside_scope)
        return counts

    def fails(self, fail_on: FailOn = FailOn.ANY) -> bool:
        """Whether the report shows what ``fail_on`` counts (outside-scope repositories never
        count: they belong to someone else)."""
        drift = bool(self.items)
        unmanaged = bool(self.unmanaged_in_scope)
        if fail_on is FailOn.DRIFT:
            return drift
        if fail_on is FailOn.UNMANAGED:
            return unmanaged
        return drift or unmanaged

    def exit_code(self, fail_on: FailOn = FailOn.ANY) -> int:
        return 2 if self.fails(fail_on) else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            **document_header(
                FORMAT_VERSION, self.regform_version, self.created_at, self.registries
            ),
            "targets": list(self.targets),
            "summary": self.summary,
            "drift": [i.to_dict() for i in self.items],
            "unmanaged": [u.to_dict() for u in self.unmanaged],
            "warnings": list(self.warnings),
            "api_calls": dict(self.api_calls),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DriftReport:
        major = str(d.get("format_version", "")).split(".")[0]
        if major != FORMAT_VERSION.split(".")[0]:
            raise ValueError(f"drift report format_version {d.get('format_version')!r} is not 1.x")
        return cls(
            items=tuple(DriftItem.from_dict(i) for i in d.get("drift", ())),
            unmanaged=tuple(Unmanaged.from_dict(u) for u in d.get("unmanaged", ())),
            warnings=tuple(d.get("warnings", ())),
            registries=dict(d.get("registries", {})),
            api_calls=dict(d.get("api_calls", {})),
            regform_version=d.get("regform_version", ""),
            created_at=d.get("created_at", ""),
            targets=tuple(d.get("targets", ())),
        )


# From a plan --------------------------------------------------------------------------------


def _display(kind: str, path: str, value: Any) -> Any:
    """A document in the form it is diffed in (ordered, statement ids kept)."""
    if kind == REPOSITORY:
        return display_form(path, value)
    if kind == REGISTRY_POLICY or path == m.REPOSITORY_POLICY:
        return normalize_iam_policy(value, keep_sid=True)
    if path == m.LIFECYCLE_POLICY:
        return normalize_lifecycle_policy(value)
    return value


def _plain(values: Sequence[Any]) -> bool:
    return all(not isinstance(v, Mapping | list) for v in values)


def drift_diff(kind: str, path: str, declared: Any, found: Any) -> tuple[str, ...]:
    """Readable differences from the declared value to the one found (documents and lists)."""
    d_list, f_list = declared or [], found or []
    if isinstance(d_list, list) and isinstance(f_list, list) and _plain([*d_list, *f_list]):
        gone = tuple(f"- {v}" for v in d_list if v not in f_list)
        return gone + tuple(f"+ {v}" for v in f_list if v not in d_list)
    document = kind == REGISTRY_POLICY or path in (m.LIFECYCLE_POLICY, m.REPOSITORY_POLICY)
    both = isinstance(declared, Mapping | list) and isinstance(found, Mapping | list)
    if document or both:
        return diff_documents(_display(kind, path, declared), _display(kind, path, found))
    return ()


def config_words(change: Change, fc: FieldChange, reg: RegistryConfig | None) -> tuple[str, ...]:
    """A repository field's difference from declared to found in the config's words, where the
    plan shows it so: readable lifecycle rules, a KMS key as the alias declared, a provider's
    field compared in another form (``field_display``'s ``drift_lines``)."""
    if change.kind != REPOSITORY:
        return ()
    declared, found = fc.after, fc.before
    caps = CAPABILITIES.get(reg.provider) if reg is not None else None
    entry = declared_repository(change.name, reg) if reg is not None else None
    words = entry.declared_words.get(fc.path) if entry is not None else None
    if words is not None and caps is not None and caps.field_display is not None:
        # a field the provider compares in another form (Harbor: quota, retention rules)
        shown = importlib.import_module(caps.field_display).drift_lines
        return tuple(shown(fc.path, declared, found, words))
    if fc.path == m.LIFECYCLE_POLICY and (change.after or {}).get("lifecycle_readable"):
        return lifecycle_display(declared, found)
    if fc.path == m.ENCRYPTION and reg is not None:
        sides = encryption_sides(found, declared, declared_key(change.name, reg))
        return tag_diff(sides[1], sides[0]) if sides else ()
    return ()


def _fields(change: Change, reg: RegistryConfig | None) -> tuple[DriftField, ...]:
    out: list[DriftField] = []
    for fc in change.fields:
        out.extend(_field(change.kind, fc, config_words(change, fc, reg)))
    return tuple(out)


def _field(kind: str, fc: FieldChange, display: tuple[str, ...]) -> list[DriftField]:
    declared, found = fc.after, fc.before
    if kind == REPOSITORY and fc.path == m.TAGS:
        d, f = dict(declared or {}), dict(found or {})
        return [
            DriftField(f"tags.{k}", d.get(k), f.get(k))
            for k in sorted(d.keys() | f.keys())
            if d.get(k) != f.get(k)
        ]
    if isinstance(declared, Mapping) and set(declared) == {"type", "kms_key"}:
        # encryption: shown whole, or key by key when declared by alias
        return [DriftField(fc.path, declared, found, display=display)]
    diff = drift_diff(kind, fc.path, declared, found)
    return [DriftField(fc.path, declared, found, diff, display)]


def _definitions(change: Change) -> dict[str, str]:
    after = change.after or {}
    out: dict[str, str] = {}
    if after.get("lifecycle_name"):
        out[m.LIFECYCLE_POLICY] = str(after["lifecycle_name"])
    if after.get("policy_name"):
        out[m.REPOSITORY_POLICY] = str(after["policy_name"])
    return out


def _item(change: Change, reg: RegistryConfig | None) -> DriftItem:
    if change.action is Action.CREATE:
        status = DriftStatus.MISSING
    elif change.action is Action.DELETE:
        status = DriftStatus.UNEXPECTED
    else:
        status = DriftStatus.CHANGED
    fields: tuple[DriftField, ...] = ()
    if status is DriftStatus.CHANGED or change.kind != REPOSITORY:
        fields = _fields(change, reg)
    return DriftItem(
        change.registry, change.kind, change.name, status, fields, _definitions(change)
    )


def _retention_item(change: Change) -> DriftItem:
    """Images the declared retention would delete now, as drift (found: the images, written as
    the plan writes them)."""
    found = [line.removeprefix("- ") for fc in change.fields for line in fc.diff]
    lifecycle = (change.before or {}).get("lifecycle_name")
    return DriftItem(
        change.registry,
        IMAGES,
        change.name,
        DriftStatus.CHANGED,
        (DriftField(IMAGES, [], found, tuple(f"+ {line}" for line in found)),),
        {IMAGES: str(lifecycle)} if lifecycle else {},
    )


def drift_from_plan(
    plan: Plan, registry_configs: Mapping[str, RegistryConfig] | None = None
) -> DriftReport:
    """The drift a plan shows (see the module docstring). With the registries' config
    (``registry_configs``, by name), a KMS key declared by alias is shown as the alias."""
    configs = registry_configs or {}
    items: list[DriftItem] = []
    unmanaged = list(plan.unmanaged)
    warnings = list(plan.warnings)
    for change in plan.changes:
        if change.kind == IMAGES:
            items.append(_retention_item(change))
        elif change.kind == REPOSITORY and change.action is Action.DELETE:
            unmanaged.append(Unmanaged(change.registry, change.name, True, PRUNED_REASON))
        else:
            items.append(_item(change, configs.get(change.registry)))
    unmanaged.sort(key=lambda u: (u.registry, not u.in_scope, u.name))
    items.sort(key=lambda i: (i.registry, i.kind != REPOSITORY, i.kind, i.name))
    return DriftReport(
        items=tuple(items),
        unmanaged=tuple(unmanaged),
        warnings=tuple(warnings),
        registries=dict(plan.registries),
        api_calls=dict(plan.api_calls),
        regform_version=plan.regform_version,
        created_at=plan.created_at,
        targets=plan.targets,
    )


def detect_drift(
    reg: RegistryConfig,
    actual: RegistryState,
    caps: Capabilities,
    *,
    desired: Mapping[str, Repository] | None = None,
    targets: Sequence[str] | None = None,
) -> DriftReport:
    """The drift of one registry from its desired and actual state (pure)."""
    planned = plan_registry(reg, actual, caps, desired=desired, targets=targets)
    plan = combine({reg.name: planned}, registries={reg.name: reg.provider})
    return drift_from_plan(plan, {reg.name: reg})


def make_drift_report(
    config: Config,
    providers: Mapping[str, Provider],
    *,
    registries: Iterable[str] | None = None,
    targets: Sequence[str] | None = None,
    on_read: ReadProgress | None = None,
    now: datetime | None = None,
    on_unmatched: TargetsUnmatched | None = None,
) -> DriftReport:
    """Read the registries and report their drift from ``config``. Never writes.
    ``on_unmatched``: as :func:`~regform.workflows.plan_apply.make_plan`."""
    from regform.workflows.plan_apply import make_plan

    plan = make_plan(
        config,
        providers,
        registries=registries,
        targets=targets,
        lifecycle_preview=False,  # a drift report never reads images
        now=now or datetime.now(UTC),
        on_read=on_read,
        on_unmatched=on_unmatched,
    )
    return drift_from_plan(plan, config.registries)
