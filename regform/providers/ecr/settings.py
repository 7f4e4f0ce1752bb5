"""Reading and writing ECR's registry-level settings.

:func:`read_settings` reads the kinds asked for, and only those, in canonical form
(:mod:`regform.registry_settings`):

* ``registry_policy``: GetRegistryPolicy (none found: ``None``);
* ``scanning``: GetRegistryScanningConfiguration;
* ``replication``: DescribeRegistry;
* ``pull_through_cache_rules``: DescribePullThroughCacheRules, every page;
* ``creation_templates``: DescribeRepositoryCreationTemplates, every page;
* ``account_settings``: GetAccountSetting per name (the names given, else every known one).

:func:`apply_setting_change` carries out one :class:`~regform.plan.Change` of a setting kind (the
actions are listed in :mod:`regform.registry_settings`). Deleting something already gone succeeds.

Every failed call raises :class:`~regform.errors.ProviderError` naming the operation, what it
was about and the AWS error. ``count(op)`` is called once per request sent (each page counts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from regform.errors import ProviderError
from regform.plan import Action, Change
from regform.providers.ecr.calls import error_code, error_message
from regform.providers.ecr.settings_codec import (
    policy_text,
    pull_through_create_params,
    pull_through_from_api,
    pull_through_update_params,
    replication_from_api,
    replication_params,
    scanning_from_api,
    scanning_params,
    template_from_api,
    template_params,
)
from regform.registry_settings import (
    ACCOUNT_SETTING_NAMES,
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    SETTING_KINDS,
    canonical_item,
    canonical_setting,
    parse_document,
    setting_requires_replace,
)

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient

log = logging.getLogger(__name__)

T = TypeVar("T")
Count = Callable[[str], None]

#: page size for the paginated Describe calls (the API maximum).
PAGE_SIZE = 1000
REGISTRY = "the registry"


def _no_count(op: str) -> None:
    return None


def _call(
    count: Count,
    op: str,
    target: str,
    fn: Callable[..., T],
    /,
    *,
    absent: str | None = None,
    **params: Any,
) -> T | None:
    """``fn(**params)``, counted; ``None`` when the error code is ``absent``."""
    count(op)
    try:
        return fn(**params)
    except ClientError as exc:
        if absent is not None and error_code(exc) == absent:
            return None
        raise ProviderError(
            f"ECR {op} on {target} failed: {error_code(exc)}: {error_message(exc)}"
        ) from exc
    except BotoCoreError as exc:
        raise ProviderError(f"ECR {op} on {target} failed: {exc}") from exc


def _must(value: T | None) -> T:
    assert value is not None  # only ``absent`` calls return None
    return value


def _pages(count: Count, op: str, fn: Callable[..., Any], key: str, **params: Any) -> Iterator[Any]:
    token: str | None = None
    while True:
        page_params = dict(params, maxResults=PAGE_SIZE)
        if token:
            page_params["nextToken"] = token
        page = _must(_call(count, op, REGISTRY, fn, **page_params))
        yield from page.get(key) or ()
        token = page.get("nextToken")
        if not token:
            return


# Reading ------------------------------------------------------------------------------------


def _read_registry_policy(ecr: ECRClient, count: Count) -> Any:
    op = "GetRegistryPolicy"
    resp = _call(
        count, op, REGISTRY, ecr.get_registry_policy, absent="RegistryPolicyNotFoundException"
    )
    if resp is None:
        return None
    try:
        return parse_document(resp.get("policyText"))
    except ValueError as exc:
        raise ProviderError(f"ECR {op} returned a policy that is not JSON: {exc}") from exc


def _read_scanning(ecr: ECRClient, count: Count) -> Any:
    resp = _must(
        _call(
            count,
            "GetRegistryScanningConfiguration",
            REGISTRY,
            ecr.get_registry_scanning_configuration,
        )
    )
    return scanning_from_api(resp.get("scanningConfiguration"))


def _read_replication(ecr: ECRClient, count: Count) -> Any:
    resp = _must(_call(count, "DescribeRegistry", REGISTRY, ecr.describe_registry))
    return replication_from_api(resp.get("replicationConfiguration"))


def _read_pull_through(ecr: ECRClient, count: Count) -> Any:
    rules = _pages(
        count,
        "DescribePullThroughCacheRules",
        ecr.describe_pull_through_cache_rules,
        "pullThroughCacheRules",
    )
    return {str(r["ecrRepositoryPrefix"]): pull_through_from_api(r) for r in rules}


def _read_templates(ecr: ECRClient, count: Count) -> Any:
    op = "DescribeRepositoryCreationTemplates"
    templates = _pages(
        count, op, ecr.describe_repository_creation_templates, "repositoryCreationTemplates"
    )
    out: dict[str, Any] = {}
    for t in templates:
        try:
            out[str(t["prefix"])] = template_from_api(t)
        except ValueError as exc:
            raise ProviderError(
                f"ECR {op}: template {t['prefix']!r} holds a policy that is not JSON: {exc}"
            ) from exc
    return out


def _read_account_settings(ecr: ECRClient, count: Count, names: Collection[str]) -> Any:
    out: dict[str, str] = {}
    for name in sorted(names):
        resp = _must(_call(count, "GetAccountSetting", name, ecr.get_account_setting, name=name))
        if resp.get("value") is not None:
            out[name] = str(resp["value"])
    return out


def read_settings(
    ecr: ECRClient,
    kinds: frozenset[str],
    count: Callable[[str], None],
    *,
    account_setting_names: Collection[str] | None = None,
) -> dict[str, Any]:
    """The current value of each setting kind in ``kinds``, in canonical form.

    ``account_setting_names`` limits the account settings read (pass the declared ones);
    without it every known name is read.
    """
    unknown = kinds - set(SETTING_KINDS)
    if unknown:
        raise ValueError(f"unknown setting kinds: {', '.join(sorted(unknown))}")
    readers: dict[str, Callable[[], Any]] = {
        REGISTRY_POLICY: lambda: _read_registry_policy(ecr, count),
        SCANNING: lambda: _read_scanning(ecr, count),
        REPLICATION: lambda: _read_replication(ecr, count),
        PULL_THROUGH_CACHE_RULES: lambda: _read_pull_through(ecr, count),
        CREATION_TEMPLATES: lambda: _read_templates(ecr, count),
        ACCOUNT_SETTINGS: lambda: _read_account_settings(
            ecr,
            count,
            ACCOUNT_SETTING_NAMES if account_setting_names is None else account_setting_names,
        ),
    }
    return {kind: readers[kind]() for kind in SETTING_KINDS if kind in kinds}


# Writing ------------------------------------------------------------------------------------


def _removing(change: Change) -> bool:
    return change.action is Action.DELETE or change.after is None


def _apply_registry_policy(ecr: ECRClient, change: Change, count: Count) -> None:
    if _removing(change):
        _call(
            count,
            "DeleteRegistryPolicy",
            REGISTRY,
            ecr.delete_registry_policy,
            absent="RegistryPolicyNotFoundException",
        )
        return
    doc = canonical_setting(REGISTRY_POLICY, change.after)
    _call(
        count, "PutRegistryPolicy", REGISTRY, ecr.put_registry_policy, policyText=policy_text(doc)
    )


def _apply_scanning(ecr: ECRClient, change: Change, count: Count) -> None:
    value = canonical_setting(SCANNING, None if _removing(change) else change.after)
    _call(
        count,
        "PutRegistryScanningConfiguration",
        REGISTRY,
        ecr.put_registry_scanning_configuration,
        **scanning_params(value),
    )


def _apply_replication(ecr: ECRClient, change: Change, count: Count) -> None:
    value = canonical_setting(REPLICATION, None if _removing(change) else change.after)
    _call(
        count,
        "PutReplicationConfiguration",
        REGISTRY,
        ecr.put_replication_configuration,
        **replication_params(value),
    )


def _delete_pull_through(ecr: ECRClient, prefix: str, count: Count) -> None:
    _call(
        count,
        "DeletePullThroughCacheRule",
        prefix,
        ecr.delete_pull_through_cache_rule,
        absent="PullThroughCacheRuleNotFoundException",
        ecrRepositoryPrefix=prefix,
    )


def _create_pull_through(ecr: ECRClient, prefix: str, item: Any, count: Count) -> None:
    _call(
        count,
        "CreatePullThroughCacheRule",
        prefix,
        ecr.create_pull_through_cache_rule,
        **pull_through_create_params(prefix, item),
    )


def _apply_pull_through(ecr: ECRClient, change: Change, count: Count) -> None:
    prefix = change.name
    if _removing(change):
        _delete_pull_through(ecr, prefix, count)
        return
    after = canonical_item(PULL_THROUGH_CACHE_RULES, change.after)
    if change.action is Action.CREATE:
        _create_pull_through(ecr, prefix, after, count)
    elif change.action is Action.REPLACE:
        _delete_pull_through(ecr, prefix, count)
        _create_pull_through(ecr, prefix, after, count)
    else:
        if change.before is not None and setting_requires_replace(
            PULL_THROUGH_CACHE_RULES, change.before, change.after
        ):
            raise ProviderError(
                f"pull-through cache rule {prefix!r}: this change needs the rule deleted and "
                "created again (a replace), not an update"
            )
        params = pull_through_update_params(prefix, after)
        if params is not None:
            _call(
                count,
                "UpdatePullThroughCacheRule",
                prefix,
                ecr.update_pull_through_cache_rule,
                **params,
            )


def _apply_template(ecr: ECRClient, change: Change, count: Count) -> None:
    prefix = change.name
    if change.action in (Action.DELETE, Action.REPLACE) or change.after is None:
        _call(
            count,
            "DeleteRepositoryCreationTemplate",
            prefix,
            ecr.delete_repository_creation_template,
            absent="TemplateNotFoundException",
            prefix=prefix,
        )
        if _removing(change):
            return
    after = canonical_item(CREATION_TEMPLATES, change.after)
    if change.action is Action.UPDATE:
        before = canonical_item(CREATION_TEMPLATES, change.before) if change.before else None
        _call(
            count,
            "UpdateRepositoryCreationTemplate",
            prefix,
            ecr.update_repository_creation_template,
            **template_params(prefix, after, update=True, before=before),
        )
    else:
        _call(
            count,
            "CreateRepositoryCreationTemplate",
            prefix,
            ecr.create_repository_creation_template,
            **template_params(prefix, after),
        )


def _apply_account_settings(ecr: ECRClient, change: Change, count: Count) -> None:
    if _removing(change):
        log.info("account settings are left as they are: ECR cannot reset them")
        return
    after = canonical_setting(ACCOUNT_SETTINGS, change.after)
    before = canonical_setting(ACCOUNT_SETTINGS, change.before)
    for name, value in after.items():
        if before.get(name) != value:
            _call(count, "PutAccountSetting", name, ecr.put_account_setting, name=name, value=value)


_APPLIERS: dict[str, Callable[[ECRClient, Change, Count], None]] = {
    REGISTRY_POLICY: _apply_registry_policy,
    SCANNING: _apply_scanning,
    REPLICATION: _apply_replication,
    PULL_THROUGH_CACHE_RULES: _apply_pull_through,
    CREATION_TEMPLATES: _apply_template,
    ACCOUNT_SETTINGS: _apply_account_settings,
}


def apply_setting_change(
    ecr: ECRClient, change: Change, *, count: Callable[[str], None] | None = None
) -> None:
    """Carry out one change of a registry-level setting (see :mod:`regform.registry_settings`)."""
    applier = _APPLIERS.get(change.kind)
    if applier is None:
        raise ProviderError(f"the ECR provider has no setting kind {change.kind!r}")
    applier(ecr, change, count or _no_count)
