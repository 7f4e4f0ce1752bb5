"""Canonical forms: two values that mean the same to the registry normalize to equal values.

The planner compares ``normalize_field(field, value)`` of both sides and never the raw values, so
that formatting, ordering and defaults the registry does not care about never produce a change.

IAM policy documents (repository and registry policies), as IAM evaluates them:

* ``Statement`` as one object or a list; statements in any order; duplicates collapse.
* ``Sid`` does not take part in evaluation and is ignored when comparing (it is kept for display).
* ``Action``/``NotAction``/``Resource``/``NotResource`` and every ``Principal`` value: a single
  string equals a one-item list; lists are sorted and de-duplicated. Action names are
  case-insensitive in IAM and compared in lower case.
* ``Principal.AWS``: a 12-digit account id equals ``arn:<partition>:iam::<id>:root``. Both are
  shown as the account id. ``"Principal": "*"`` and ``{"AWS": "*"}`` stay different.
* ``Condition`` values: a single value equals a one-item list; lists are sorted.
* ``Version``: the only difference between "2008-10-17" and "2012-10-17" is that policy
  variables (``${...}``) are substituted under 2012-10-17 only. A document without any ``${``
  compares equal under either version (and without one). A document that uses variables
  compares its version, a missing one counting as IAM's default "2008-10-17".

Lifecycle policies (ECR), as defined once in :func:`regform.lifecycle.normalize_policy`: rules
sorted by ``rulePriority``; ``tagPrefixList``/``tagPatternList`` sorted; ``storageClass:
standard`` equals an absent one (ECR's default); keys set to ``null`` equal absent keys;
``description`` is compared as written.

Encryption: AES256 never carries a key (an explicit AES256 equals the default). KMS compares the
key as resolved by the provider (the ECR provider resolves aliases and ids to key ARNs). KMS
without a key means "the AWS-managed key", whose ARN regform does not know: it equals KMS with
any key, so that a repository is never replaced (deleting its images) on a guess.

Tags: plain equality after dropping ignored keys on both sides. Mutability exclusions: sets.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from regform import model as m
from regform.lifecycle.document import normalize_policy
from regform.model import JsonDict

IAM_DEFAULT_VERSION = "2008-10-17"
_ROOT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$")
_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_ACTION_KEYS = ("Action", "NotAction")


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: the text two equal values share."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def checksum(value: Any) -> str:
    """sha256 (hex) of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def streamed_checksum(value: Any) -> str:
    """:func:`checksum`, hashing the JSON as it is written: for a large value (a desired model of
    50,000 repositories) the whole text is never held in memory. Slower per byte."""
    encoder = json.JSONEncoder(
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    digest = hashlib.sha256()
    for chunk in encoder.iterencode(value):
        digest.update(chunk.encode("utf-8"))
    return digest.hexdigest()


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _sorted_unique(values: Iterable[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for v in values:
        seen.setdefault(canonical_json(v), v)
    return [seen[k] for k in sorted(seen)]


def _principal_id(value: Any) -> Any:
    if isinstance(value, str):
        match = _ROOT_ARN.match(value)
        if match:
            return match.group(1)
    return value


def _normalize_principal(principal: Any) -> Any:
    if not isinstance(principal, Mapping):
        return principal  # "*" stays "*": it is not the same as {"AWS": "*"}
    out: JsonDict = {}
    for kind, value in principal.items():
        values = _as_list(value)
        if kind == "AWS":
            values = [_principal_id(v) for v in values]
        out[kind] = _sorted_unique(values)
    return out


def _normalize_condition(condition: Any) -> Any:
    if not isinstance(condition, Mapping):
        return condition
    out: JsonDict = {}
    for operator, tests in condition.items():
        if isinstance(tests, Mapping):
            out[operator] = {key: _sorted_unique(_as_list(v)) for key, v in tests.items()}
        else:
            out[operator] = tests
    return out


def _normalize_statement(statement: Any, *, keep_sid: bool) -> Any:
    if not isinstance(statement, Mapping):
        return statement
    out: JsonDict = {}
    for key, value in statement.items():
        if key == "Sid" and not keep_sid:
            continue
        if key in _LIST_KEYS:
            items = _as_list(value)
            if key in _ACTION_KEYS and not keep_sid:
                items = [v.lower() if isinstance(v, str) else v for v in items]
            out[key] = _sorted_unique(items)
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _normalize_principal(value)
        elif key == "Condition":
            out[key] = _normalize_condition(value)
        else:
            out[key] = value
    return out


def _uses_policy_variables(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(_uses_policy_variables(k) or _uses_policy_variables(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_uses_policy_variables(v) for v in value)
    return False


def normalize_iam_policy(doc: Any, *, keep_sid: bool = False) -> Any:
    """Canonical form of an IAM policy document (see the module docstring).

    ``keep_sid=True`` gives the display form, for readable diffs: statement ids and the case of
    action names are kept (comparisons leave ids out and compare actions in lower case).
    """
    if doc is None:
        return None
    if not isinstance(doc, Mapping):
        return doc
    out: JsonDict = {}
    for key, value in doc.items():
        if key in ("Version", "Statement"):
            continue
        out[key] = value
    statements = [
        _normalize_statement(s, keep_sid=keep_sid) for s in _as_list(doc.get("Statement", []))
    ]
    out["Statement"] = _sorted_unique(statements)
    if _uses_policy_variables(out["Statement"]):
        out["Version"] = doc.get("Version", IAM_DEFAULT_VERSION)
    elif keep_sid and "Version" in doc:
        out["Version"] = doc["Version"]
    return out


def normalize_lifecycle_policy(doc: Any) -> Any:
    """Canonical form of an ECR lifecycle policy document (the lifecycle module's definition,
    :func:`regform.lifecycle.normalize_policy`; anything but a mapping is kept as it is)."""
    if not isinstance(doc, Mapping):
        return doc
    return normalize_policy(doc)


def normalize_encryption(value: Mapping[str, Any] | m.Encryption | None) -> JsonDict:
    """``{"type": ..., "kms_key": ...}`` with the key dropped where it means nothing."""
    if value is None:
        enc = m.Encryption()
    elif isinstance(value, m.Encryption):
        enc = value
    else:
        enc = m.Encryption.from_dict(value)
    kind = enc.type or "AES256"
    key = enc.kms_key if kind != "AES256" else None
    return {"type": kind, "kms_key": key or None}


def encryption_equal(desired: Any, actual: Any) -> bool:
    """Desired encryption equals actual (KMS without a key accepts any key, see above)."""
    d, a = normalize_encryption(desired), normalize_encryption(actual)
    if d["type"] != a["type"]:
        return False
    if d["kms_key"] is None or d["type"] == "AES256":
        return True
    return bool(d["kms_key"] == a["kms_key"])


def normalize_tags(tags: Mapping[str, str] | None, ignore: Collection[str] = ()) -> dict[str, str]:
    """Tags without the ignored keys, as a plain dict."""
    return {str(k): str(v) for k, v in (tags or {}).items() if k not in ignore}


_DOCUMENT_NORMALIZERS = {
    m.REPOSITORY_POLICY: normalize_iam_policy,
    m.LIFECYCLE_POLICY: normalize_lifecycle_policy,
}
#: documents as written -> (canonical form, its canonical JSON). A registry's repositories share
#: a handful of documents, so each is normalized once, not once per repository.
_DOCUMENT_CACHE_SIZE = 1024
_document_cache: dict[tuple[str, str], tuple[Any, str]] = {}
_RAW_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _document(name: str, value: Any) -> tuple[Any, str]:
    """(canonical form, canonical JSON) of a repository document, cached by its content."""
    try:
        key = (name, _RAW_JSON.encode(value))
    except (TypeError, ValueError):  # not plain JSON: not cached
        normalized = _DOCUMENT_NORMALIZERS[name](value)
        return normalized, canonical_json(normalized)
    found = _document_cache.get(key)
    if found is None:
        normalized = _DOCUMENT_NORMALIZERS[name](value)
        found = (normalized, canonical_json(normalized))
        if len(_document_cache) >= _DOCUMENT_CACHE_SIZE:
            _document_cache.clear()
        _document_cache[key] = found
    return found


def normalize_field(name: str, value: Any, *, ignore_tags: Collection[str] = ()) -> Any:
    """The canonical, comparable form of one repository field's value (for documents, a value
    shared between callers: never mutate it)."""
    if name in _DOCUMENT_NORMALIZERS:
        return _document(name, value)[0]
    if name == m.ENCRYPTION:
        return normalize_encryption(value)
    if name == m.TAGS:
        return normalize_tags(value, ignore_tags)
    if name == m.MUTABILITY_EXCLUSIONS:
        return sorted({str(v) for v in (value or ())})
    return value


def display_form(name: str, value: Any) -> Any:
    """The form documents are diffed in: ordered like the canonical form, statement ids kept."""
    if name == m.REPOSITORY_POLICY or (name.endswith("_policy") and name != m.LIFECYCLE_POLICY):
        return normalize_iam_policy(value, keep_sid=True)
    if name == m.LIFECYCLE_POLICY:
        return normalize_lifecycle_policy(value)
    return normalize_field(name, value)


def field_equal(name: str, desired: Any, actual: Any, *, ignore_tags: Collection[str] = ()) -> bool:
    """Whether a desired value and an actual value of one field mean the same."""
    if name == m.ENCRYPTION:
        return encryption_equal(desired, actual)
    if name in _DOCUMENT_NORMALIZERS:
        return _document(name, desired)[1] == _document(name, actual)[1]
    d = normalize_field(name, desired, ignore_tags=ignore_tags)
    a = normalize_field(name, actual, ignore_tags=ignore_tags)
    return canonical_json(d) == canonical_json(a)
