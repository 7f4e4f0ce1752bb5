"""KMS keys for ECR encryption, resolved to key ARNs so that the spelling of a key (alias, alias
ARN, key id or key ARN) never makes two equal encryptions differ, and so never forces a replace.

``KMS`` encryption without a key means ECR's AWS-managed key (``alias/aws/ecr``); it is resolved
the same way, so it compares equal to the key ARN ECR reports. An explicit ``AES256`` equals the
default encryption whatever key it names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from regform.errors import ProviderError
from regform.model import Encryption
from regform.providers.ecr.calls import ApiCaller
from regform.providers.ecr.mapping import DEFAULT_ENCRYPTION, MANAGED_KMS_ALIAS

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient


class KmsKeys:
    """Resolves and caches key ARNs for one registry (thread-safe).

    ``resolver`` replaces KMS entirely (the sandbox, where every key exists); ``explicit_default``
    names the managed key on create instead of leaving ECR to pick it.
    """

    def __init__(
        self,
        registry: str,
        kms: Callable[[], KMSClient],
        caller: ApiCaller,
        *,
        resolver: Callable[[str], str] | None = None,
        explicit_default: bool = False,
    ) -> None:
        self._registry = registry
        self._kms = kms
        self._caller = caller
        self._resolver = resolver
        self._explicit_default = explicit_default
        self._lock = threading.Lock()
        self._arns: dict[str, str | None] = {}

    def _lookup(self, key: str) -> str | None:
        """The key ARN, or None when KMS says there is no such key (other errors raise)."""
        with self._lock:
            if key in self._arns:
                return self._arns[key]
        if self._resolver is not None:
            arn: str | None = self._resolver(key)
        else:
            found = self._caller.call_or_none(
                "DescribeKey",
                f"KMS key {key!r}",
                self._kms().describe_key,
                "NotFoundException",
                KeyId=key,
            )
            arn = found["KeyMetadata"]["Arn"] if found is not None else None
        with self._lock:
            self._arns[key] = arn
        return arn

    def resolve(self, key: str) -> str:
        """The key ARN behind ``key``; :class:`ProviderError` naming the key if there is none."""
        arn = self._lookup(key)
        if arn is None:
            raise ProviderError(
                f"registry {self._registry!r}: KMS key {key!r} not found in this account and region"
            )
        return arn

    def resolve_actual(self, key: str) -> str:
        """A key ECR reports, as an ARN when KMS can tell (as reported otherwise)."""
        try:
            return self._lookup(key) or key
        except ProviderError:
            return key

    def managed_arn(self) -> str | None:
        """The AWS-managed ``aws/ecr`` key; None only where KMS does not know it (emulators)."""
        return self._lookup(MANAGED_KMS_ALIAS)

    def normalize(self, encryption: Encryption) -> Encryption:
        if encryption.type == DEFAULT_ENCRYPTION:
            return Encryption()
        if encryption.kms_key:
            return Encryption(type=encryption.type, kms_key=self.resolve(encryption.kms_key))
        if encryption.type == "KMS":
            return Encryption(type=encryption.type, kms_key=self.managed_arn())
        return encryption

    def declared(self, encryption: Encryption) -> Encryption:
        """``KMS`` without a key when the key is the AWS-managed one (what ECR picks when none
        is named); as read otherwise, also when KMS cannot tell."""
        if encryption.type != "KMS" or not encryption.kms_key:
            return encryption
        try:
            managed = self.managed_arn()
        except ProviderError:  # e.g. no kms:DescribeKey permission: keep the key as read
            return encryption
        return Encryption(type="KMS") if encryption.kms_key == managed else encryption

    def send_key(self, encryption: Encryption) -> bool:
        """Name the key on create, unless it is the managed default (ECR picks that itself)."""
        if self._explicit_default or not encryption.kms_key:
            return True
        with self._lock:
            managed = self._arns.get(MANAGED_KMS_ALIAS)
        return encryption.kms_key != managed
