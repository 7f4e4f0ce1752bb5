"""Carrying out one repository change on ECR: the calls each action and field needs, in order.

* create: CreateRepository with mutability, scanning, encryption and tags in one atomic call, then
  PutLifecyclePolicy and SetRepositoryPolicy (retried while the new repository is not yet visible);
* update: one call per changed aspect: PutImageTagMutability, PutImageScanningConfiguration,
  TagResource/UntagResource, ONE PutLifecyclePolicy (never delete-then-put), SetRepositoryPolicy
  (retried while IAM has not yet seen a new principal), or the matching Delete call;
* replace: DeleteRepository(force) then create;
* delete: DeleteRepository, forced only when the config says ``force_delete: true``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from regform import model as m
from regform.errors import PartialApplyError, ProviderError
from regform.model import Encryption, Repository
from regform.plan import Action, Change, FieldChange
from regform.providers.ecr.calls import (
    AFTER_CREATE,
    IAM_PROPAGATION,
    ApiCaller,
    Backoff,
    error_code,
    is_not_found,
    is_principal_not_ready,
)
from regform.providers.ecr.kind import CAPABILITIES
from regform.providers.ecr.mapping import (
    DEFAULT_ENCRYPTION,
    dump_document,
    encryption_to_api,
    exclusion_filters,
    tags_to_api,
)

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient

log = logging.getLogger(__name__)

SCAN_ON_PUSH_DEPRECATED = CAPABILITIES.deprecated[m.SCAN_ON_PUSH]


def _not_found_or_principal(exc: ClientError) -> bool:
    return is_not_found(exc) or is_principal_not_ready(exc)


def _already_exists(exc: ClientError) -> bool:
    return error_code(exc) == "RepositoryAlreadyExistsException"


def _mutability_kwargs(repo: Repository) -> dict[str, Any]:
    """Repository name and tag mutability (with exclusions), as both writes take them."""
    kwargs: dict[str, Any] = {
        "repositoryName": repo.name,
        "imageTagMutability": repo.image_tag_mutability,
    }
    if repo.image_tag_mutability_exclusions:
        kwargs["imageTagMutabilityExclusionFilters"] = exclusion_filters(
            repo.image_tag_mutability_exclusions
        )
    return kwargs


def _retried(exc: ClientError) -> bool:
    """Whether botocore sent the call more than once (an earlier answer was lost)."""
    meta: Mapping[str, Any] = exc.response.get("ResponseMetadata") or {}
    return int(meta.get("RetryAttempts") or 0) > 0


@dataclass(frozen=True, slots=True)
class Applied:
    """What one change did: the steps carried out ("created", "policy set", ...) and the
    repository's description when it was created."""

    steps: tuple[str, ...]
    created: Mapping[str, Any] | None = None


class RepositoryWriter:
    """Writes repository changes through one ECR client. Every write is a named step; a change
    that fails part way raises :class:`PartialApplyError` saying which steps were done."""

    def __init__(
        self,
        ecr: ECRClient,
        caller: ApiCaller,
        *,
        arn_for: Callable[[str], str],
        send_kms_key: Callable[[Encryption], bool],
        after_create: Backoff = AFTER_CREATE,
        iam_propagation: Backoff = IAM_PROPAGATION,
    ) -> None:
        self._ecr = ecr
        self._call = caller.call
        self._caller = caller
        self._arn_for = arn_for
        self._send_kms_key = send_kms_key
        self._after_create = after_create
        self._iam = iam_propagation
        self._warned_scan = False
        self._local = threading.local()  # the steps of the change this thread carries out

    @contextmanager
    def _step(self, what: str, done: str) -> Iterator[None]:
        steps: list[str] = self._local.steps
        try:
            yield
        except PartialApplyError:
            raise
        except ProviderError as exc:
            raise PartialApplyError(str(exc), done=steps, failed=what) from exc
        steps.append(done)

    # Actions ------------------------------------------------------------------------------

    def apply(self, change: Change) -> Applied:
        """Carry out ``change``: the steps done, and the repository description when one was
        created."""
        steps: list[str] = []
        self._local.steps = steps
        try:
            created = self._apply(change)
        except PartialApplyError:
            raise
        except ProviderError as exc:
            raise PartialApplyError(str(exc), done=steps, failed=change.action.value) from exc
        return Applied(tuple(steps), created)

    def _apply(self, change: Change) -> Mapping[str, Any] | None:
        if change.action is Action.CREATE:
            return self.create(self._after(change))
        if change.action is Action.UPDATE:
            self.update(change)
            return None
        if change.action is Action.REPLACE:
            self.delete(change.name, force=True)
            return self.create(self._after(change), retry_exists=True)
        self.delete(change.name, force=change.force_delete)
        return None

    def create(self, repo: Repository, *, retry_exists: bool = False) -> Mapping[str, Any]:
        kwargs = _mutability_kwargs(repo)
        if repo.scan_on_push:
            self._warn_scan_on_push()
            kwargs["imageScanningConfiguration"] = {"scanOnPush": True}
        if repo.encryption.type != DEFAULT_ENCRYPTION:
            kwargs["encryptionConfiguration"] = encryption_to_api(
                repo.encryption, send_key=self._send_kms_key(repo.encryption)
            )
        if repo.tags:
            kwargs["tags"] = tags_to_api(repo.tags)
        with self._step("create", "created"):
            created = self._create(repo.name, kwargs, retry_exists)
        if repo.lifecycle_policy is not None:
            self._put_lifecycle(repo.name, repo.lifecycle_policy, retry_if=is_not_found)
        if repo.repository_policy is not None:
            self._set_policy(repo.name, repo.repository_policy, retry_if=_not_found_or_principal)
        return created

    def _create(
        self, name: str, kwargs: Mapping[str, Any], retry_exists: bool
    ) -> Mapping[str, Any]:
        """CreateRepository. When botocore sent it again (the answer to the first was lost) and
        the repository exists now, it was this create: the repository is read and kept."""
        try:
            response = self._call(
                "CreateRepository",
                name,
                self._ecr.create_repository,
                retry_if=_already_exists if retry_exists else None,
                backoff=self._after_create,
                **kwargs,
            )
        except ProviderError as exc:
            cause = exc.__cause__
            if not (isinstance(cause, ClientError) and _already_exists(cause) and _retried(cause)):
                raise
            log.info("%s: %s: created by the first CreateRepository", self._caller.registry, name)
            found = self._call(
                "DescribeRepositories",
                name,
                self._ecr.describe_repositories,
                repositoryNames=[name],
            )
            return found["repositories"][0]
        return response["repository"]

    def update(self, change: Change) -> None:
        after = self._after(change)
        mutability = False
        tags_set: dict[str, str] = {}
        tags_removed: set[str] = set()
        for fc in change.fields:
            top = fc.path.split(".", 1)[0]
            if top in (m.MUTABILITY, m.MUTABILITY_EXCLUSIONS):
                mutability = True
            elif top == m.SCAN_ON_PUSH:
                self._put_scanning(change.name, bool(fc.after))
            elif top == m.TAGS:
                self._collect_tags(fc, tags_set, tags_removed)
            elif top == m.LIFECYCLE_POLICY:
                doc = self._document_after(change, fc, m.LIFECYCLE_POLICY)
                if doc is None:
                    self._delete_document(
                        "DeleteLifecyclePolicy", change.name, self._ecr.delete_lifecycle_policy
                    )
                else:
                    self._put_lifecycle(change.name, doc)
            elif top == m.REPOSITORY_POLICY:
                doc = self._document_after(change, fc, m.REPOSITORY_POLICY)
                if doc is None:
                    self._delete_document(
                        "DeleteRepositoryPolicy", change.name, self._ecr.delete_repository_policy
                    )
                else:
                    self._set_policy(change.name, doc, retry_if=is_principal_not_ready)
            elif top == m.ENCRYPTION:
                raise ProviderError(
                    f"registry {self._caller.registry!r}: {change.name}: encryption cannot "
                    "change in place on ECR; the repository must be replaced"
                )
            else:
                raise ProviderError(
                    f"registry {self._caller.registry!r}: {change.name}: "
                    f"field {fc.path!r} is not supported"
                )
        if mutability:
            self._put_mutability(after)
        if tags_set or tags_removed:
            self._write_tags(change.name, tags_set, tags_removed)

    def delete(self, name: str, *, force: bool) -> None:
        with self._step("delete", "deleted"):
            self._delete(name, force=force)

    def _delete(self, name: str, *, force: bool) -> None:
        try:
            self._ecr.delete_repository(repositoryName=name, force=force)
        except ClientError as exc:
            code = error_code(exc)
            if code == "RepositoryNotFoundException":
                log.info("%s: %s is already gone", self._caller.registry, name)
                return
            hint = ""
            if code == "RepositoryNotEmptyException":
                hint = (
                    "the repository holds images; set `force_delete: true` on it to delete "
                    "it together with its images"
                )
            raise self._caller.error("DeleteRepository", name, exc, hint) from exc
        except BotoCoreError as exc:
            raise ProviderError(
                f"registry {self._caller.registry!r}: DeleteRepository on {name}: {exc}"
            ) from exc

    # Single aspects ----------------------------------------------------------------------

    def _put_mutability(self, repo: Repository) -> None:
        with self._step("tag mutability", "tag mutability set"):
            self._call(
                "PutImageTagMutability",
                repo.name,
                self._ecr.put_image_tag_mutability,
                **_mutability_kwargs(repo),
            )

    def _delete_document(self, operation: str, name: str, method: Callable[..., Any]) -> None:
        what = "lifecycle" if operation == "DeleteLifecyclePolicy" else "policy"
        with self._step(what, f"{what} removed"):
            self._call(operation, name, method, repositoryName=name)

    def _put_scanning(self, name: str, scan_on_push: bool) -> None:
        self._warn_scan_on_push()
        with self._step("scan on push", "scan on push set"):
            self._scanning(name, scan_on_push)

    def _scanning(self, name: str, scan_on_push: bool) -> None:
        self._call(
            "PutImageScanningConfiguration",
            name,
            self._ecr.put_image_scanning_configuration,
            repositoryName=name,
            imageScanningConfiguration={"scanOnPush": scan_on_push},
        )

    def _put_lifecycle(
        self,
        name: str,
        doc: Mapping[str, Any],
        retry_if: Callable[[ClientError], bool] | None = None,
    ) -> None:
        with self._step("lifecycle", "lifecycle set"):
            self._lifecycle(name, doc, retry_if)

    def _lifecycle(
        self,
        name: str,
        doc: Mapping[str, Any],
        retry_if: Callable[[ClientError], bool] | None,
    ) -> None:
        self._call(
            "PutLifecyclePolicy",
            name,
            self._ecr.put_lifecycle_policy,
            retry_if=retry_if,
            backoff=self._after_create,
            repositoryName=name,
            lifecyclePolicyText=dump_document(doc),
        )

    def _set_policy(
        self, name: str, doc: Mapping[str, Any], retry_if: Callable[[ClientError], bool]
    ) -> None:
        with self._step("policy", "policy set"):
            self._policy(name, doc, retry_if)

    def _policy(
        self, name: str, doc: Mapping[str, Any], retry_if: Callable[[ClientError], bool]
    ) -> None:
        self._call(
            "SetRepositoryPolicy",
            name,
            self._ecr.set_repository_policy,
            retry_if=retry_if,
            backoff=self._iam,
            repositoryName=name,
            policyText=dump_document(doc),
        )

    def _write_tags(self, name: str, set_: dict[str, str], removed: set[str]) -> None:
        with self._step("tags", "tags set"):
            self._tags(name, set_, removed)

    def _tags(self, name: str, set_: dict[str, str], removed: set[str]) -> None:
        arn = self._arn_for(name)
        if set_:
            self._call(
                "TagResource", name, self._ecr.tag_resource, resourceArn=arn, tags=tags_to_api(set_)
            )
        if removed:
            self._call(
                "UntagResource",
                name,
                self._ecr.untag_resource,
                resourceArn=arn,
                tagKeys=sorted(removed),
            )

    # Helpers -----------------------------------------------------------------------------

    @staticmethod
    def _collect_tags(fc: FieldChange, set_: dict[str, str], removed: set[str]) -> None:
        """Tag writes from either one ``tags`` change (two dicts) or per-key ``tags.<key>``."""
        if fc.path == m.TAGS:
            before = dict(fc.before or {})
            after = dict(fc.after or {})
            set_.update({k: str(v) for k, v in after.items() if before.get(k) != v})
            removed.update(k for k in before if k not in after)
            return
        key = fc.path[len(m.TAGS) + 1 :]
        if fc.after is None:
            removed.add(key)
        else:
            set_[key] = str(fc.after)

    def _document_after(self, change: Change, fc: FieldChange, field: str) -> Any:
        if fc.path == field:
            return fc.after
        if change.after is not None and field in change.after:
            return change.after[field]
        raise ProviderError(
            f"registry {self._caller.registry!r}: {change.name}: the change to {fc.path!r} "
            f"does not carry the desired {field}"
        )

    def _after(self, change: Change) -> Repository:
        if change.after is None:
            raise ProviderError(
                f"registry {self._caller.registry!r}: {change.name}: "
                f"{change.action.value} without the desired repository"
            )
        return Repository.from_dict({**change.after, "name": change.name})

    def _warn_scan_on_push(self) -> None:
        if not self._warned_scan:
            self._warned_scan = True
            log.warning("%s: %s", self._caller.registry, SCAN_ON_PUSH_DEPRECATED)
