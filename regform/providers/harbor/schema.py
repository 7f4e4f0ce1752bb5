"""The keys a Harbor registry adds to the config language, as a JSON Schema fragment.

Merged into the config schema by :func:`regform.config.schema.config_schema` (editors complete
them); the checks the schema cannot express live in :mod:`regform.providers.harbor.config`.
"""

from __future__ import annotations

from typing import Any

_ENV = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
_NAME = {"type": "string", "pattern": "^[a-z0-9]+(?:[._-][a-z0-9]+)*$"}
_PATTERNS: dict[str, Any] = {
    "description": "doublestar patterns (** any, * no '/', {a,b}); a list means any of them",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    ],
}
_SELECTORS: dict[str, Any] = {
    "tags": {"$ref": "#/$defs/harborPatterns"},
    "exclude_tags": {"$ref": "#/$defs/harborPatterns"},
    "repositories": {"$ref": "#/$defs/harborPatterns"},
    "exclude_repositories": {"$ref": "#/$defs/harborPatterns"},
    "disabled": {"type": "boolean"},
}
_COUNT = {"type": "integer", "minimum": 0, "maximum": 32766}

REGISTRY: dict[str, Any] = {
    "username_env": {
        "description": "harbor: environment variable holding the user (or robot$...) name.",
        **_ENV,
    },
    "password_env": {
        "description": "harbor: environment variable holding the password or robot secret.",
        **_ENV,
    },
}

REPOSITORY_SETTINGS: dict[str, Any] = {
    "public": {"description": "harbor: anyone may pull from the project.", "type": "boolean"},
    "prevent_vulnerable": {
        "description": "harbor: refuse pulls of images with vulnerabilities of this severity "
        "or worse (false: allow).",
        "enum": [False, "low", "medium", "high", "critical"],
    },
    "reuse_sys_cve_allowlist": {
        "description": "harbor: use the system CVE allowlist for this project.",
        "type": "boolean",
    },
    "storage_quota": {
        "description": "harbor: storage limit: bytes, a size such as 10GiB or 500MB, or -1 / "
        "unlimited.",
        "oneOf": [
            {"type": "integer", "minimum": -1},
            {"type": "string", "pattern": r"^(unlimited|[0-9]+(\.[0-9]+)?\s*([KMGTP]i?B|B))$"},
        ],
    },
    "retention": {
        "description": "harbor: tag retention in Harbor's own rule kinds (rules say what to "
        "retain; everything else in a covered repository is deleted).",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "schedule": {
                "description": "hourly, daily (default), weekly, none, or a 6-field cron with "
                "seconds 0",
                "type": "string",
            },
            "rules": {"type": "array", "items": {"$ref": "#/$defs/harborRetentionRule"}},
        },
    },
    "immutable_tags": {
        "description": "harbor: immutable-tag rules (tags that can never be overwritten or "
        "deleted).",
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "properties": dict(_SELECTORS),
        },
    },
    "members": {
        "description": "harbor: project members and their roles.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "users": {"type": "object", "additionalProperties": {"$ref": "#/$defs/harborRole"}},
            "groups": {"type": "object", "additionalProperties": {"$ref": "#/$defs/harborRole"}},
        },
    },
    "robots": {
        "description": "harbor: project robot accounts by name; a new robot's secret is shown "
        "once (apply --secrets-file or --show-secrets).",
        "type": "object",
        "propertyNames": _NAME,
        "additionalProperties": {"$ref": "#/$defs/harborRobot"},
    },
    "proxy_cache": {
        "description": "harbor: a proxy-cache project of this registry endpoint (fixed at "
        "creation: a change re-creates the project).",
        "type": "object",
        "additionalProperties": False,
        "required": ["endpoint"],
        "properties": {
            "endpoint": {"description": "name of a Harbor registry endpoint", "type": "string"}
        },
    },
}

DEFS: dict[str, Any] = {
    "harborPatterns": _PATTERNS,
    "harborRole": {"enum": ["projectAdmin", "maintainer", "developer", "guest", "limitedGuest"]},
    "harborRetentionRule": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "latest_pushed": _COUNT,
            "latest_pulled": _COUNT,
            "days_since_push": _COUNT,
            "days_since_pull": _COUNT,
            "always": {"const": True},
            "untagged": {"type": "boolean"},
            **_SELECTORS,
        },
    },
    "harborRobot": {
        "type": "object",
        "additionalProperties": False,
        "required": ["access"],
        "properties": {
            "description": {"type": "string"},
            "duration": {
                "description": "days until it expires, or -1 (never, the default)",
                "type": "integer",
                "minimum": -1,
            },
            "access": {
                "description": "resource:action pairs, e.g. repository:pull, repository:push",
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "pattern": "^[a-z-]+:[a-z-]+$"},
            },
        },
    },
}

FRAGMENT: dict[str, Any] = {
    "registry": REGISTRY,
    "repositorySettings": REPOSITORY_SETTINGS,
    "$defs": DEFS,
}
