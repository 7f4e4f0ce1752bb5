"""Harbor API objects <-> regform's canonical values (pure; no calls).

Metadata values are strings (api-facts.md "Metadata values are strings"); keys never set are
absent, and absent means Harbor's default (``false``, except ``reuse_sys_cve_allowlist``, which a
project without the key applies as true: the system allowlist).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regform import model as m
from regform.model import JsonDict
from regform.providers.harbor import rules
from regform.providers.harbor.fields import (
    PREVENT_VULNERABLE,
    PUBLIC,
    REUSE_SYS_CVE_ALLOWLIST,
)

#: api-facts.md "Project members": role ids
ROLES = {"projectAdmin": 1, "developer": 2, "guest": 3, "maintainer": 4, "limitedGuest": 5}
ROLE_NAMES = {v: k for k, v in ROLES.items()}


def _flag(metadata: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = metadata.get(key)
    return default if value is None else str(value).lower() == "true"


def metadata_fields(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata fields regform manages, from a project's ``metadata``."""
    prevent: Any = False
    if _flag(metadata, "prevent_vul"):
        prevent = str(metadata.get("severity") or "low")
    return {
        PUBLIC: _flag(metadata, "public"),
        m.SCAN_ON_PUSH: _flag(metadata, "auto_scan"),
        PREVENT_VULNERABLE: prevent,
        REUSE_SYS_CVE_ALLOWLIST: _flag(metadata, "reuse_sys_cve_allowlist", True),
    }


def metadata_body(values: Mapping[str, Any]) -> dict[str, str]:
    """The ``metadata`` strings for the managed fields present in ``values``."""
    out: dict[str, str] = {}
    if PUBLIC in values:
        out["public"] = _text(values[PUBLIC])
    if m.SCAN_ON_PUSH in values:
        out["auto_scan"] = _text(values[m.SCAN_ON_PUSH])
    if REUSE_SYS_CVE_ALLOWLIST in values:
        out["reuse_sys_cve_allowlist"] = _text(values[REUSE_SYS_CVE_ALLOWLIST])
    if PREVENT_VULNERABLE in values:
        severity = values[PREVENT_VULNERABLE]
        out["prevent_vul"] = _text(bool(severity))
        if severity:
            out["severity"] = str(severity)
    return out


def _text(value: Any) -> str:
    return "true" if value else "false"


# Selectors and rules ----------------------------------------------------------------------------


def _selector_in(sel: Mapping[str, Any]) -> JsonDict:
    out: JsonDict = {"decoration": sel.get("decoration"), "pattern": sel.get("pattern", "")}
    return out


def _extras(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str) and raw:
        try:
            found = json.loads(raw)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}
    return {}


def tag_selector_from_api(sels: list[Mapping[str, Any]] | None) -> JsonDict:
    sel = (sels or [{}])[0]
    untagged = _extras(sel.get("extras")).get("untagged")
    return rules.tag_selector(
        str(sel.get("decoration") or "matches"),
        str(sel.get("pattern") or "**"),
        None if untagged is None else bool(untagged),
    )


def repo_selector_from_api(scope: Mapping[str, Any] | None) -> JsonDict:
    sel = ((scope or {}).get("repository") or [{}])[0]
    return rules.repo_selector(
        str(sel.get("decoration") or "repoMatches"), str(sel.get("pattern") or "**")
    )


def _selectors_out(rule: Mapping[str, Any], *, extras: bool) -> JsonDict:
    tags = rule["tags"]
    tag: JsonDict = {
        "kind": "doublestar",
        "decoration": tags["decoration"],
        "pattern": tags["pattern"],
    }
    if extras:
        # api-facts.md "Untagged": extras is a JSON *string*
        tag["extras"] = json.dumps({"untagged": bool(tags["untagged"])})
    repo = rule["repositories"]
    return {
        "tag_selectors": [tag],
        "scope_selectors": {
            "repository": [
                {"kind": "doublestar", "decoration": repo["decoration"], "pattern": repo["pattern"]}
            ]
        },
    }


def retention_from_api(body: Mapping[str, Any]) -> JsonDict | None:
    """A retention policy read back; None when it has no rules (what the UI leaves behind)."""
    out = []
    for r in body.get("rules") or ():
        rule: JsonDict = {
            "template": r.get("template"),
            "tags": tag_selector_from_api(r.get("tag_selectors")),
            "repositories": repo_selector_from_api(r.get("scope_selectors")),
        }
        if r.get("template") != "always":
            params = r.get("params") or {}
            rule["value"] = int(params.get(r.get("template"), 0))
        rule["disabled"] = bool(r.get("disabled", False))
        out.append(rule)
    if not out:
        return None
    cron = str(((body.get("trigger") or {}).get("settings") or {}).get("cron") or "")
    return rules.policy(cron, out)


def retention_to_api(doc: Mapping[str, Any], project_id: int, policy_id: int | None) -> JsonDict:
    body: JsonDict = {
        "algorithm": "or",
        "rules": [
            {
                "priority": i,
                "disabled": r["disabled"],
                "action": "retain",
                "template": r["template"],
                "params": {} if r["template"] == "always" else {r["template"]: r["value"]},
                **_selectors_out(r, extras=True),
            }
            for i, r in enumerate(doc["rules"], start=1)
        ],
        "trigger": {"kind": "Schedule", "settings": {"cron": doc["schedule"]}, "references": {}},
        "scope": {"level": "project", "ref": project_id},
    }
    if policy_id is not None:
        body["id"] = policy_id
    return body


def immutable_from_api(r: Mapping[str, Any]) -> JsonDict:
    tags = tag_selector_from_api(r.get("tag_selectors"))
    tags.pop("untagged")
    return {
        "tags": tags,
        "repositories": repo_selector_from_api(r.get("scope_selectors")),
        "disabled": bool(r.get("disabled", False)),
    }


def immutable_to_api(rule: Mapping[str, Any]) -> JsonDict:
    """api-facts.md "Tag immutability": a retention rule with action immutable, no extras."""
    with_untagged = {**rule, "tags": {**rule["tags"], "untagged": False}}
    return {
        "disabled": rule["disabled"],
        "action": "immutable",
        "template": "immutable_template",
        "params": {},
        **_selectors_out(with_untagged, extras=False),
    }
