"""A project entry's fields as the config wrote them, where Harbor compares another form
(``Repository.declared_words``): plans show changes of these fields in these words
(:mod:`regform.providers.harbor.display`).

* ``storage_quota``: the value as declared (``50GiB``), compared in bytes;
* ``lifecycle_policy``: the retention rules as declared, each with the Harbor rule it becomes:
  readable lifecycle rules (``tag_prefixes: [v], keep_last: 20``), or ``retention:`` rules in
  their keys (``latest_pushed: 10, tags: [...]``); with readable rules, the ``always`` rule that
  retains every image no rule selects is ``rest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regform import model as m
from regform.lifecycle import decompile
from regform.providers.harbor import rules
from regform.providers.harbor.fields import STORAGE_QUOTA

#: the order ``retention:`` keys are shown in (what it keeps, then what it selects).
RETENTION_ORDER = (
    *rules.TEMPLATE_KEYS,
    "tags",
    "exclude_tags",
    "untagged",
    "repositories",
    "exclude_repositories",
    "disabled",
)


def _readable(ecr_rule: Mapping[str, Any]) -> dict[str, Any]:
    alone = decompile({"rules": [{**ecr_rule, "rulePriority": 1}]})
    return dict(alone[0]) if alone else {}


def _retention_words(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "schedule": spec.get("schedule", "daily"),
        "readable": False,
        "rules": [
            {"label": f"rules[{n}]", "words": dict(rule), "rule": rules.retention_rule(rule)}
            for n, rule in enumerate(spec.get("rules") or (), start=1)
        ],
        "rest": None,
    }


def _lifecycle_words(doc: Mapping[str, Any]) -> dict[str, Any]:
    mapped, rest = rules.mapped_rules(doc)
    return {
        "schedule": "daily",
        "readable": True,
        "rules": [
            {"label": f"rules[{n}]", "words": _readable(ecr), "rule": harbor}
            for n, (ecr, harbor) in enumerate(mapped, start=1)
        ],
        "rest": rest,
    }


def words(settings: Mapping[str, Any], lifecycles: Mapping[str, Any]) -> dict[str, Any]:
    """The words of one (valid) project entry, by field."""
    out: dict[str, Any] = {}
    if "storage_quota" in settings:
        out[STORAGE_QUOTA] = settings["storage_quota"]
    if "retention" in settings:
        if settings["retention"].get("rules"):
            out[m.LIFECYCLE_POLICY] = _retention_words(settings["retention"])
    elif settings.get("lifecycle") not in (None, "none"):
        out[m.LIFECYCLE_POLICY] = _lifecycle_words(lifecycles[settings["lifecycle"]])
    return out
