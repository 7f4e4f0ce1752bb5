"""The AWS ECR provider: reads repositories cheaply and writes changes with the fewest calls.

Reading costs one DescribeRepositories page per 1000 repositories, plus only the per-repository
calls the managed fields need (ListTagsForResource, GetLifecyclePolicy, GetRepositoryPolicy), run
concurrently through botocore (one client, which is thread-safe; ``parallelism`` calls in flight,
fewer while ECR throttles).

KMS keys are resolved to key ARNs on both sides (see :meth:`EcrProvider.normalize_desired`), so a
key written as alias, id or ARN never forces a replace by itself.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from regform import model as m
from regform.errors import IdentityError, ProviderError
from regform.model import Capabilities, Image, Repository
from regform.plan import REPOSITORY, Action, Change
from regform.providers.base import Provider
from regform.providers.ecr.apply import RepositoryWriter
from regform.providers.ecr.calls import (
    AFTER_CREATE,
    IAM_PROPAGATION,
    ApiCaller,
    Backoff,
    retrying_cannot_fix,
)
from regform.providers.ecr.deferred import Deferred, when_created
from regform.providers.ecr.endpoint import REAL, Endpoint
from regform.providers.ecr.indexes import read_images
from regform.providers.ecr.kind import CAPABILITIES
from regform.providers.ecr.kms import KmsKeys
from regform.providers.ecr.mapping import (
    repository_from_listing,
    shared_document,
    tags_from_api,
)
from regform.providers.ecr.reach import Reachability
from regform.providers.ecr.session import DEFAULT_PARALLELISM
from regform.providers.ecr.settings_errors import read_each, settings_errors
from regform.providers.ecr.throttle import Throttle

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_sts import STSClient


#: fields that need a call per repository.
DETAIL_FIELDS = frozenset({m.TAGS, m.LIFECYCLE_POLICY, m.REPOSITORY_POLICY})
#: DescribeRepositories takes at most this many names.
NAMES_PER_DESCRIBE = 100
PAGE_SIZE = 1000


class EcrProvider(Provider):
    """Adapter between regform's model and one ECR registry (one account and region)."""

    capabilities: Capabilities = CAPABILITIES

    def __init__(
        self,
        registry: str,
        *,
        ecr: ECRClient,
        sts: STSClient | Deferred[STSClient],
        kms: KMSClient | Deferred[KMSClient],
        account_id: str | None = None,
        parallelism: int = DEFAULT_PARALLELISM,
        caller: ApiCaller | None = None,
        endpoint: Endpoint = REAL,
        declared_settings: Mapping[str, Any] | None = None,
        after_create: Backoff = AFTER_CREATE,
        iam_propagation: Backoff = IAM_PROPAGATION,
        single_attempt_ecr: Callable[[], ECRClient] | None = None,
    ) -> None:
        self.registry = registry
        self.account_id = account_id
        self._ecr = ecr
        self._sts = Deferred.of(sts)  # created when first used
        self._parallelism = max(1, parallelism)
        self._caller = caller or ApiCaller(registry, throttle=Throttle(self._parallelism))
        self._reach = Reachability(registry)
        for client in (ecr, sts, kms):
            self._caller.watch(client)
            when_created(client, self._reach.watch)
        self._make_single_attempt_ecr = single_attempt_ecr
        self._single_attempt_ecr: ECRClient | None = None
        self._endpoint = endpoint
        self._declared_settings = dict(declared_settings or {})
        self._lock = threading.Lock()
        #: listing results: name -> repository with the listing fields (and its ARN in info).
        self._listing: dict[str, Repository] = {}
        self._listed = False
        #: repositories changed since listed: their listing fields are read again when needed.
        self._stale: set[str] = set()
        self._kms_keys = KmsKeys(
            registry,
            Deferred.of(kms),
            self._caller,
            resolver=endpoint.kms_resolver(),
            explicit_default=endpoint.kms_resolver() is not None,
        )
        self._identity_checked = False
        self._writer = RepositoryWriter(
            ecr,
            self._caller,
            arn_for=self._arn_for,
            send_kms_key=self._kms_keys.send_key,
            after_create=after_create,
            iam_propagation=iam_propagation,
        )

    # Lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Release what the provider holds (the sandbox saves its state here)."""
        self._endpoint.close()

    @property
    def sandbox(self) -> Endpoint | None:
        """The embedded sandbox this provider works on (None: a real endpoint)."""
        return None if self._endpoint is REAL else self._endpoint

    def identity(self) -> dict[str, str]:
        """Where this provider reads and writes (recorded in plans): provider, declared account,
        region and endpoint ("the sandbox" for the sandbox, with the directory of its state)."""
        meta = self._ecr.meta
        endpoint = meta.endpoint_url if self._endpoint is REAL else self._endpoint.description
        return {
            "provider": "ecr",
            "account": self.account_id or "",
            "region": meta.region_name,
            "endpoint": str(endpoint),
            **self._endpoint.identity(),
        }

    # Reading -----------------------------------------------------------------------------

    def check_identity(self) -> None:
        """Raise :class:`IdentityError` when the credentials belong to another account."""
        if not self.account_id or self._identity_checked:
            return
        actual = self._endpoint.caller_account()
        identity: Mapping[str, Any] = {}
        if actual is None:
            identity = self._caller.call(
                "GetCallerIdentity", "the credentials", self._sts().get_caller_identity
            )
            actual = str(identity["Account"])
        if actual != self.account_id:
            raise IdentityError(
                f"registry {self.registry!r} declares account_id {self.account_id} but the "
                f"credentials ({identity.get('Arn', 'unknown caller')}) belong to account "
                f"{actual}; refusing to touch it"
            )
        self._identity_checked = True

    def list_repositories(self) -> dict[str, Repository]:
        paginator = self._ecr.get_paginator("describe_repositories")
        pages = paginator.paginate(PaginationConfig={"PageSize": PAGE_SIZE})
        found: dict[str, Repository] = {}
        self._caller.call(
            "DescribeRepositories", "all repositories", self._collect, pages=pages, into=found
        )
        with self._lock:
            self._listing = dict(found)
            self._listed = True
            self._stale.clear()
        return found

    def _collect(self, pages: Iterable[Mapping[str, Any]], into: dict[str, Repository]) -> None:
        for page in pages:
            for item in page.get("repositories", ()):
                repo = repository_from_listing(item, self._kms_keys.resolve_actual)
                into[repo.name] = repo

    def read_details(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        self._refresh_listing(set(wanted))
        with self._lock:
            listing = {n: self._listing[n] for n in wanted if n in self._listing}
        jobs = {n: frozenset(wanted[n]) & DETAIL_FIELDS for n in listing}
        todo = [n for n, fields in jobs.items() if fields]
        out = dict(listing)
        if todo:
            workers = min(self._parallelism, len(todo))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="regform-ecr") as pool:
                for repo in pool.map(lambda n: self._details(listing[n], jobs[n]), todo):
                    out[repo.name] = repo
        return out

    def read_named(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        """Only the named repositories, each described by name (no listing), with the detail
        fields asked for: for commands that touch a few repositories (``regform ensure``).
        Names that do not exist are left out."""
        names = sorted(wanted)
        self._describe_some(names)
        with self._lock:
            found = {n: self._listing[n] for n in names if n in self._listing}
        return {n: self._details(r, frozenset(wanted[n]) & DETAIL_FIELDS) for n, r in found.items()}

    def _refresh_listing(self, names: set[str]) -> None:
        with self._lock:
            listed = self._listed
            stale = sorted(n for n in names if n in self._stale)
            missing = names - self._listing.keys()
        if not listed and missing:
            self.list_repositories()
            return
        for start in range(0, len(stale), NAMES_PER_DESCRIBE):
            self._describe_some(stale[start : start + NAMES_PER_DESCRIBE])

    def _describe_some(self, names: list[str]) -> None:
        found: dict[str, Repository] = {}
        for name in names:  # one name per call: a missing name fails a whole batch
            resp = self._caller.call_or_none(
                "DescribeRepositories",
                name,
                self._ecr.describe_repositories,
                "RepositoryNotFoundException",
                repositoryNames=[name],
            )
            for item in resp["repositories"] if resp else ():
                repo = repository_from_listing(item, self._kms_keys.resolve_actual)
                found[repo.name] = repo
        with self._lock:
            for name in names:
                self._stale.discard(name)
                self._listing.pop(name, None)
            self._listing.update(found)

    def _details(self, repo: Repository, fields: frozenset[str]) -> Repository:
        changes: dict[str, Any] = {}
        name = repo.name
        if m.TAGS in fields:
            arn = str(repo.info["arn"])
            resp = self._caller.call(
                "ListTagsForResource", name, self._ecr.list_tags_for_resource, resourceArn=arn
            )
            changes[m.TAGS] = tags_from_api(resp.get("tags", []))
        if m.LIFECYCLE_POLICY in fields:
            changes[m.LIFECYCLE_POLICY] = self._document(
                "GetLifecyclePolicy",
                name,
                self._ecr.get_lifecycle_policy,
                "LifecyclePolicyNotFoundException",
                "lifecyclePolicyText",
            )
        if m.REPOSITORY_POLICY in fields:
            changes[m.REPOSITORY_POLICY] = self._document(
                "GetRepositoryPolicy",
                name,
                self._ecr.get_repository_policy,
                "RepositoryPolicyNotFoundException",
                "policyText",
            )
        return dataclasses.replace(repo, loaded=repo.loaded | fields, **changes)

    def _document(
        self, op: str, name: str, read: Callable[..., Any], absent: str, key: str
    ) -> m.JsonDict | None:
        resp = self._caller.call_or_none(op, name, read, absent, repositoryName=name)
        try:
            text = resp.get(key) if resp else None
            return shared_document(text) if text else None
        except ValueError as exc:
            raise ProviderError(
                f"registry {self.registry!r}: {op} on {name} returned unreadable JSON: {exc}"
            ) from exc

    def read_settings(self, kinds: frozenset[str]) -> dict[str, Any]:
        """Registry-level settings of the kinds asked for (account settings: the declared names)."""
        return self._read_settings(self._ecr, kinds)

    def read_settings_failing_fast(self, kinds: frozenset[str]) -> dict[str, Any]:
        """:meth:`read_settings`, each call tried once first: an answer that retrying cannot fix
        (an operation the endpoint does not implement, a refusal) fails at once; any other
        failure (throttling, a transient server error) is read again with retries."""
        if self._make_single_attempt_ecr is None:
            return self.read_settings(kinds)
        if self._single_attempt_ecr is None:
            self._single_attempt_ecr = self._make_single_attempt_ecr()
            self._caller.watch(self._single_attempt_ecr)
            self._reach.watch(self._single_attempt_ecr)
        try:
            return self._read_settings(self._single_attempt_ecr, kinds)
        except ProviderError as exc:
            if retrying_cannot_fix(exc):
                raise
        return self.read_settings(kinds)

    def _read_settings(self, ecr: ECRClient, kinds: frozenset[str]) -> dict[str, Any]:
        if not kinds:
            return {}
        from regform.providers.ecr.settings import read_settings
        from regform.registry_settings import ACCOUNT_SETTINGS, SETTING_KINDS

        declared = self._declared_settings.get(ACCOUNT_SETTINGS)
        names = (
            {"account_setting_names": list(declared)}
            if isinstance(declared, Mapping) and declared
            else {}
        )
        return read_each(
            self.registry,
            self._endpoint.description,
            [kind for kind in SETTING_KINDS if kind in kinds],  # ECR's order
            # calls are counted by the client hook, not by the settings module
            lambda kind: read_settings(ecr, kind, lambda op: None, **names),
        )

    def list_images(self, repository: str) -> list[Image]:
        return read_images(self._ecr, self._caller, repository, page_size=PAGE_SIZE)

    def api_calls(self) -> dict[str, int]:
        return self._caller.counts()

    # KMS ---------------------------------------------------------------------------------

    def resolve_kms_key(self, key: str) -> str:
        """The key ARN behind a KMS key ARN, key id, alias or alias ARN (cached per key).

        Raises :class:`ProviderError` naming the key when KMS does not know it.
        """
        return self._kms_keys.resolve(key)

    def normalize_desired(self, repo: Repository) -> Repository:
        """The desired repository as ECR would report it: KMS keys resolved to key ARNs,
        ``KMS`` without a key as the AWS-managed key, an explicit AES256 as the default.

        Raises :class:`ProviderError` for a key KMS does not know.
        """
        normalized = self._kms_keys.normalize(repo.encryption)
        if normalized == repo.encryption:
            return repo
        return dataclasses.replace(repo, encryption=normalized)

    def as_declared(self, repo: Repository) -> Repository:
        """The AWS-managed KMS key as ``KMS`` without a key (one DescribeKey, cached)."""
        declared = self._kms_keys.declared(repo.encryption)
        return (
            repo if declared == repo.encryption else dataclasses.replace(repo, encryption=declared)
        )

    # Writing -----------------------------------------------------------------------------

    def apply(self, change: Change) -> tuple[str, ...] | None:
        """Carry out one change; the steps done ("created", "policy set", ...) for a
        repository (a failure part way raises :class:`PartialApplyError` naming them)."""
        if change.kind != REPOSITORY:
            self._apply_setting(change)
            return None
        try:
            applied = self._writer.apply(change)
        except BaseException:
            with self._lock:
                self._stale.add(change.name)  # a partial write: read it again when needed
            self._endpoint.save([change.name])
            raise
        created = applied.created
        repo = repository_from_listing(created, self._kms_keys.resolve_actual) if created else None
        with self._lock:
            if repo is not None:
                self._listing[change.name] = repo
                self._stale.discard(change.name)
            elif change.action is Action.UPDATE:
                self._stale.add(change.name)  # its ARN stays valid; listing fields may not
            else:
                self._listing.pop(change.name, None)
                self._stale.discard(change.name)
        self._endpoint.save([change.name])
        return applied.steps

    def _apply_setting(self, change: Change) -> None:
        from regform.providers.ecr.settings import apply_setting_change

        try:
            with settings_errors(
                self.registry, self._endpoint.description, frozenset({change.kind})
            ):
                apply_setting_change(self._ecr, change)
        finally:
            self._endpoint.save_settings()

    def _arn_for(self, name: str) -> str:
        with self._lock:
            repo = self._listing.get(name)
        if repo is None or "arn" not in repo.info:
            self._describe_some([name])
            with self._lock:
                repo = self._listing.get(name)
        if repo is None or "arn" not in repo.info:
            raise ProviderError(f"registry {self.registry!r}: repository {name!r} not found")
        return str(repo.info["arn"])
