"""Lifecycle (retention) policies: one definition of ECR's rules, used everywhere.

* :func:`compile_rules` turns the readable rules of the config into ECR lifecycle JSON (priority =
  position, starting at 1);
* :func:`decompile` turns ECR JSON back into readable rules where it maps 1:1 (``None`` otherwise);
* :func:`validate_policy` reports every rule ECR would reject (config validation and import use it);
* :func:`evaluate` applies a policy to a list of images exactly as ECR documents it (plan previews,
  and enforcement for registries without native lifecycle); :func:`explain` also names the rule
  that decided each image, kept ones included;
* :func:`normalize_policy` / :func:`same_policy` compare policies by meaning (rule order, tag list
  order and an explicit ``storageClass: standard`` do not matter); :func:`policy_text` is the
  compact JSON text whose length ECR limits.

Readable rule form (YAML, one mapping per rule, in priority order)::

    description: str                      # optional
    # what it selects -- exactly one of:
    tag_prefixes: [str, ...]              # tagStatus tagged + tagPrefixList
    tag_patterns: [str, ...]              # tagStatus tagged + tagPatternList (``*`` wildcards)
    untagged: true                        # tagStatus untagged
    any: true                             # tagStatus any
    storage_class: standard | archive     # optional (selection.storageClass)
    # when -- exactly one of:
    keep_last: N                          # imageCountMoreThan N
    older_than_days: N                    # sinceImagePushed, days
    not_pulled_for_days: N                # sinceImagePulled, days (only with action: archive)
    archived_for_days: N                  # sinceImageTransitioned, days (storage_class archive)
    action: expire | archive              # optional, default expire; archive = transition
"""

from regform.lifecycle.compile import compile_rules, decompile, same_policy
from regform.lifecycle.document import normalize_policy, policy_text
from regform.lifecycle.engine import PREVIEW_FIELDS, Evaluation, Verdict, evaluate, in_effect
from regform.lifecycle.explain import Decision, explain
from regform.lifecycle.validate import LifecycleIssue, validate_policy

__all__ = [
    "PREVIEW_FIELDS",
    "Decision",
    "Evaluation",
    "LifecycleIssue",
    "Verdict",
    "compile_rules",
    "decompile",
    "evaluate",
    "explain",
    "in_effect",
    "normalize_policy",
    "policy_text",
    "same_policy",
    "validate_policy",
]
