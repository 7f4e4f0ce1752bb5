"""Harbor's tag-rule vocabulary in one canonical form: retention policies and immutable rules.

A selector is ``{"decoration", "pattern"}`` (plus ``"untagged"`` for tag selectors), with several
values written as a doublestar brace list ``{a,b}`` whose alternatives are sorted, so that two
rules that mean the same compare equal. Rule lists are sets: Harbor ORs retention rules
(api-facts.md "Rules are ORed") and matches immutable rules by content, so order carries no
meaning and rules are kept sorted by their canonical JSON.

The canonical retention document (``lifecycle_policy`` of a Harbor project)::

    {"schedule": "0 0 0 * * *" | "",            # 6-field cron, seconds 0; "" = manual only
     "rules": [{"template": "latestPushedK" | "latestPulledN" | "nDaysSinceLastPush"
                            | "nDaysSinceLastPull" | "always",
                "value": int (absent for always),
                "tags": {"decoration": "matches" | "excludes", "pattern": str, "untagged": bool},
                "repositories": {"decoration": "repoMatches" | "repoExcludes", "pattern": str},
                "disabled": bool}, ...]}

:func:`from_lifecycle` maps regform's readable lifecycle rules (ECR semantics: rules select what
to *expire*, everything no rule selects is kept) to this form where the meaning is the same, and
raises :class:`Unmappable` naming the rule otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from regform.model import JsonDict

TEMPLATES = ("latestPushedK", "latestPulledN", "nDaysSinceLastPush", "nDaysSinceLastPull", "always")
#: readable key -> retention template (``always: true`` has no value)
TEMPLATE_KEYS = {
    "latest_pushed": "latestPushedK",
    "latest_pulled": "latestPulledN",
    "days_since_push": "nDaysSinceLastPush",
    "days_since_pull": "nDaysSinceLastPull",
    "always": "always",
}
KEY_OF_TEMPLATE = {v: k for k, v in TEMPLATE_KEYS.items()}
#: api-facts.md "Values satisfy 0 <= n < 32767"; "At most 15 rules".
MAX_VALUE = 32767
MAX_RULES = 15
SCHEDULES = {"hourly": "0 0 * * * *", "daily": "0 0 0 * * *", "weekly": "0 0 0 * * 0", "none": ""}
ALIAS_OF_CRON = {v: k for k, v in SCHEDULES.items()}


class Unmappable(ValueError):
    """A readable lifecycle rule with no Harbor equivalent; ``rule`` is its 1-based number."""

    def __init__(self, rule: int, message: str) -> None:
        super().__init__(f"rule {rule}: {message}")
        self.rule = rule


def brace(values: Iterable[str]) -> str:
    """Several doublestar patterns as one: ``{a,b}`` (sorted); one pattern as itself."""
    unique = sorted(set(values))
    return unique[0] if len(unique) == 1 else "{" + ",".join(unique) + "}"


def split_brace(pattern: str) -> list[str]:
    """The alternatives of a top-level brace list (``{a,b}`` -> [a, b]); else [pattern]."""
    if pattern.startswith("{") and pattern.endswith("}") and _top_level(pattern[1:-1]):
        return pattern[1:-1].split(",")
    return [pattern]


def _top_level(inner: str) -> bool:
    return "{" not in inner and "}" not in inner


def canonical_pattern(pattern: str) -> str:
    return brace(split_brace(pattern))


def comma_outside_braces(pattern: str) -> bool:
    """``a,b`` is one literal pattern to Harbor (api-facts.md: several values need braces)."""
    depth = 0
    for ch in pattern:
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "," and depth == 0:
            return True
    return False


def tag_selector(decoration: str, pattern: str, untagged: bool | None = None) -> JsonDict:
    """A tag selector. ``untagged`` is Harbor's extra as it is sent: whether an untagged
    artifact counts as matching ``pattern``, so ``matches`` selects untagged artifacts when it
    is true and ``excludes`` when it is false. None = Harbor's default for the decoration (true
    for ``matches``, false for ``excludes``: both select untagged artifacts). api-facts.md
    "Untagged"; goharbor/harbor ``src/lib/selector/selectors/doublestar/selector.go``
    @ c5c36201ee28."""
    if untagged is None:
        untagged = decoration == "matches"
    return {"decoration": decoration, "pattern": canonical_pattern(pattern), "untagged": untagged}


def only_untagged() -> JsonDict:
    """The tag selector of untagged artifacts alone: no tag is outside ``**``, and an untagged
    artifact does not count as matching it (``untagged`` false), so ``excludes`` keeps it."""
    return tag_selector("excludes", "**", False)


def repo_selector(decoration: str = "repoMatches", pattern: str = "**") -> JsonDict:
    return {"decoration": decoration, "pattern": canonical_pattern(pattern)}


def sort_rules(rules: Iterable[Mapping[str, Any]]) -> list[JsonDict]:
    unique = {json.dumps(r, sort_keys=True): dict(r) for r in rules}
    return [unique[k] for k in sorted(unique)]


def policy(schedule: str, rules: Iterable[Mapping[str, Any]]) -> JsonDict:
    return {"schedule": schedule, "rules": sort_rules(rules)}


# The readable Harbor forms of the config --------------------------------------------------------


def _patterns(spec: Mapping[str, Any], key: str) -> str:
    value = spec[key]
    return brace(value) if isinstance(value, list) else canonical_pattern(str(value))


def selectors(spec: Mapping[str, Any]) -> tuple[JsonDict, JsonDict]:
    """(tag selector, repository selector) of a readable rule (``tags``/``exclude_tags``,
    ``untagged``, ``repositories``/``exclude_repositories``; defaults: every tag and repo)."""
    untagged = spec.get("untagged")
    if "exclude_tags" in spec:
        tags = tag_selector("excludes", _patterns(spec, "exclude_tags"), untagged)
    else:
        pattern = _patterns(spec, "tags") if "tags" in spec else "**"
        tags = tag_selector("matches", pattern, untagged)
    if "exclude_repositories" in spec:
        repos = repo_selector("repoExcludes", _patterns(spec, "exclude_repositories"))
    elif "repositories" in spec:
        repos = repo_selector("repoMatches", _patterns(spec, "repositories"))
    else:
        repos = repo_selector()
    return tags, repos


def retention_rule(spec: Mapping[str, Any]) -> JsonDict:
    """One readable retention rule (already checked) in canonical form."""
    key = next(k for k in TEMPLATE_KEYS if k in spec)
    tags, repos = selectors(spec)
    rule: JsonDict = {"template": TEMPLATE_KEYS[key], "tags": tags, "repositories": repos}
    if key != "always":
        rule["value"] = int(spec[key])
    rule["disabled"] = bool(spec.get("disabled", False))
    return rule


def retention_policy(spec: Mapping[str, Any]) -> JsonDict | None:
    """The ``retention:`` mapping of a project (already checked) in canonical form; None (no
    policy) without rules, which is how Harbor shows a policy emptied in its UI."""
    schedule = str(spec.get("schedule", "daily"))
    found = spec.get("rules") or ()
    if not found:
        return None
    return policy(SCHEDULES.get(schedule, schedule), map(retention_rule, found))


def immutable_rule(spec: Mapping[str, Any]) -> JsonDict:
    tags, repos = selectors(spec)
    tags.pop("untagged")  # api-facts.md: immutable rules carry no extras
    return {"tags": tags, "repositories": repos, "disabled": bool(spec.get("disabled", False))}


def mutability_rules(mode: str, exclusions: Sequence[str]) -> list[JsonDict]:
    """``image_tag_mutability`` (+ exclusions) as immutable-tag rules over every repository."""
    if mode == "IMMUTABLE":
        return [immutable_rule({})]
    if mode == "IMMUTABLE_WITH_EXCLUSION":
        return [immutable_rule({"exclude_tags": list(exclusions)})]
    if mode == "MUTABLE_WITH_EXCLUSION":
        return [immutable_rule({"tags": list(exclusions)})]
    return []


# Readable lifecycle rules (ECR semantics) -> Harbor ---------------------------------------------


def _tag_set(rule: Mapping[str, Any]) -> tuple[str, list[str]]:
    """("tagged" | "untagged" | "any", the doublestar patterns of the tags it selects)."""
    selection = rule["selection"]
    status = selection["tagStatus"]
    if "tagPrefixList" in selection:
        return status, [f"{p}*" for p in selection["tagPrefixList"]]
    return status, list(selection.get("tagPatternList") or ["**"])


def _check_mappable(n: int, rule: Mapping[str, Any]) -> None:
    selection = rule.get("selection") or {}
    action = (rule.get("action") or {}).get("type")
    if action != "expire":
        raise Unmappable(n, "Harbor has no archive tier (action: archive)")
    if selection.get("storageClass", "standard") != "standard":
        raise Unmappable(n, "Harbor has no archive tier (storage_class)")
    if selection.get("countType") not in ("imageCountMoreThan", "sinceImagePushed"):
        raise Unmappable(
            n,
            "only keep_last and older_than_days map to Harbor retention "
            "(latestPushedK, nDaysSinceLastPush); use retention: with Harbor's rule kinds",
        )
    if len(selection.get("tagPrefixList") or selection.get("tagPatternList") or ()) > 1:
        raise Unmappable(
            n,
            "several tag prefixes or patterns select images carrying all of them; a Harbor "
            "selector matches any of them: give one per rule",
        )
    if any("?" in p for p in selection.get("tagPatternList") or ()):
        raise Unmappable(n, "'?' in a tag pattern has no doublestar equivalent here")


def _overlap(a: tuple[str, list[str]], b: tuple[str, list[str]]) -> bool:
    """Whether two rule selections may select the same image (conservative)."""
    if "any" in (a[0], b[0]):
        return True
    if a[0] != b[0]:
        return False
    if a[0] == "untagged":
        return True
    prefixes_a = [p[:-1] for p in a[1] if p.endswith("*") and "*" not in p[:-1]]
    prefixes_b = [p[:-1] for p in b[1] if p.endswith("*") and "*" not in p[:-1]]
    if len(prefixes_a) < len(a[1]) or len(prefixes_b) < len(b[1]):
        return True
    return any(x.startswith(y) or y.startswith(x) for x in prefixes_a for y in prefixes_b)


def mapped_rules(doc: Mapping[str, Any]) -> tuple[list[tuple[JsonDict, JsonDict]], JsonDict | None]:
    """Each rule of an ECR-style lifecycle document (compiled readable rules, by priority) with
    the Harbor retain rule it maps to, and the ``always`` rule retaining every image no rule
    selects (None when there is none); see :func:`from_lifecycle`."""
    ordered = sorted(doc.get("rules") or (), key=lambda r: r.get("rulePriority", 0))
    sets: list[tuple[str, list[str]]] = []
    out: list[tuple[JsonDict, JsonDict]] = []
    for n, rule in enumerate(ordered, start=1):
        _check_mappable(n, rule)
        tag_set = _tag_set(rule)
        for m, other in enumerate(sets, start=1):
            if _overlap(tag_set, other):
                raise Unmappable(
                    n,
                    f"it may select images rule {m} selects: ECR lets the first rule decide, "
                    "Harbor keeps an image any rule retains; use retention: with Harbor's rule "
                    "kinds",
                )
        sets.append(tag_set)
        selection = rule["selection"]
        template = (
            "latestPushedK"
            if selection["countType"] == "imageCountMoreThan"
            else "nDaysSinceLastPush"
        )
        out.append((dict(rule), _mapped_rule(template, int(selection["countNumber"]), tag_set)))
    return out, _complement(sets)


def from_lifecycle(doc: Mapping[str, Any], schedule: str = "daily") -> JsonDict:
    """An ECR-style lifecycle document (compiled readable rules) as a Harbor retention policy.

    ECR expires what a rule selects and keeps the rest; Harbor deletes what no rule retains. So
    each rule becomes a retain rule over the same images (``keep_last N`` -> ``latestPushedK N``,
    ``older_than_days N`` -> ``nDaysSinceLastPush N``), and one ``always`` rule retains every
    image no rule selects. ECR lets the first matching rule decide; Harbor ORs rules: the two
    agree only when no two rules can select the same image, so overlapping rules are refused.
    """
    mapped, rest = mapped_rules(doc)
    out = [harbor for _, harbor in mapped]
    if rest is not None:
        out.append(rest)
    return policy(SCHEDULES[schedule], out)


def _mapped_rule(template: str, value: int, tag_set: tuple[str, list[str]]) -> JsonDict:
    status, patterns = tag_set
    if status == "untagged":
        tags = only_untagged()
    else:
        tags = tag_selector("matches", brace(patterns), status == "any")
    return {
        "template": template,
        "tags": tags,
        "repositories": repo_selector(),
        "value": value,
        "disabled": False,
    }


def _complement(sets: Sequence[tuple[str, list[str]]]) -> JsonDict | None:
    """An ``always`` rule retaining every image no rule selects (None when there is none)."""
    if any(s[0] == "any" for s in sets):
        return None
    untagged_covered = any(s[0] == "untagged" for s in sets)
    tagged = sorted({p for s in sets if s[0] == "tagged" for p in s[1]})
    if "**" in tagged:
        if untagged_covered:
            return None
        tags = only_untagged()
    elif tagged:
        # every artifact with a tag outside ``tagged``, and untagged ones unless a rule has them
        tags = tag_selector("excludes", brace(tagged), untagged_covered)
    else:
        tags = tag_selector("matches", "**", not untagged_covered)
    return {"template": "always", "tags": tags, "repositories": repo_selector(), "disabled": False}
