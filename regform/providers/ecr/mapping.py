"""Translating between ECR API shapes and regform's model (no API calls here)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from regform import model as m
from regform.model import Encryption, Image, JsonDict, Repository
from regform.providers.ecr.kind import CAPABILITIES

#: what DescribeRepositories returns for every repository (no extra call needed).
#: the AWS-managed key ECR uses for ``KMS`` encryption when no key is named.
MANAGED_KMS_ALIAS = "alias/aws/ecr"
DEFAULT_ENCRYPTION = "AES256"


def is_key_arn(key: str) -> bool:
    """A full KMS key ARN (``arn:aws:kms:<region>:<account>:key/<id>``): already canonical."""
    parts = key.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == "kms" and parts[5][:4] == "key/"


def encryption_from_api(
    config: Mapping[str, Any] | None, resolve: Callable[[str], str] | None = None
) -> Encryption:
    """The encryption ECR reports. A key that is not already a key ARN goes through ``resolve``."""
    if not config:
        return Encryption()
    kind = str(config.get("encryptionType") or DEFAULT_ENCRYPTION)
    if kind == DEFAULT_ENCRYPTION:
        return Encryption()
    key = config.get("kmsKey")
    if key and resolve is not None and not is_key_arn(key):
        key = resolve(key)
    return Encryption(type=kind, kms_key=key or None)


def encryption_to_api(encryption: Encryption, *, send_key: bool = True) -> dict[str, str]:
    out = {"encryptionType": encryption.type}
    if encryption.type != DEFAULT_ENCRYPTION and encryption.kms_key and send_key:
        out["kmsKey"] = encryption.kms_key
    return out


def repository_from_listing(
    item: Mapping[str, Any], resolve: Callable[[str], str] | None = None
) -> Repository:
    """Map one ``repositories[]`` entry of DescribeRepositories (or CreateRepository)."""
    filters = item.get("imageTagMutabilityExclusionFilters") or ()
    info: JsonDict = {
        "arn": item.get("repositoryArn"),
        "uri": item.get("repositoryUri"),
        "registry_id": item.get("registryId"),
    }
    created = item.get("createdAt")
    if isinstance(created, datetime):
        info["created_at"] = created.isoformat()
    return Repository(
        name=str(item["repositoryName"]),
        image_tag_mutability=str(item.get("imageTagMutability") or m.DEFAULT_MUTABILITY),
        image_tag_mutability_exclusions=tuple(str(f["filter"]) for f in filters),
        scan_on_push=bool((item.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        encryption=encryption_from_api(item.get("encryptionConfiguration"), resolve),
        loaded=CAPABILITIES.listing_fields,
        info={k: v for k, v in info.items() if v is not None},
    )


def exclusion_filters(filters: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"filter": f, "filterType": "WILDCARD"} for f in filters]


def tags_from_api(tags: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in tags}


def tags_to_api(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def parse_document(text: str | None) -> JsonDict | None:
    """A policy text as read from ECR, parsed (empty text means no document)."""
    if not text:
        return None
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("policy text is not a JSON object")
    return doc


@functools.lru_cache(maxsize=256)
def shared_document(text: str) -> JsonDict | None:
    """:func:`parse_document`, one parsed dict per distinct text: a registry's repositories
    share a handful of documents (the dict is shared: never mutate it)."""
    return parse_document(text)


def dump_document(doc: Mapping[str, Any]) -> str:
    """The text sent to ECR: compact JSON, with characters beyond ASCII as themselves (ECR's
    length limits count characters, and validation measures this same text)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def image_from_detail(detail: Mapping[str, Any]) -> Image:
    """Map one ``imageDetails[]`` entry of DescribeImages.

    ``references`` and ``referenced_by`` stay empty: DescribeImages does not say which manifest
    lists include an image; :mod:`regform.providers.ecr.indexes` links them afterwards.
    """
    status = str(detail.get("imageStatus") or "ACTIVE")
    size = detail.get("imageSizeInBytes")
    return Image(
        digest=str(detail["imageDigest"]),
        tags=tuple(detail.get("imageTags") or ()),
        pushed_at=detail["imagePushedAt"],
        last_pulled_at=detail.get("lastRecordedPullTime"),
        storage_class="standard" if status == "ACTIVE" else "archive",
        archived_at=detail.get("lastArchivedAt"),
        last_activated_at=detail.get("lastActivatedAt"),
        size_bytes=int(size) if size is not None else None,
        media_type=detail.get("imageManifestMediaType"),
    )
