"""Registry-level settings (registry policy, scanning, replication, pull-through cache rules,
repository creation templates, account settings): their shapes, comparison and validation.

Pure: no I/O. Providers read and write them (:mod:`regform.providers.ecr.settings`); the
config's JSON Schema describes their shapes and :func:`validate_setting` checks the rules across
fields; the planner gets the changes of one declared kind from :func:`setting_changes` (built on
:func:`setting_entries`, :func:`setting_field_changes` and :func:`setting_notes`).

A change of a setting is a :class:`~regform.plan.Change` whose ``kind`` is the setting kind,
``name`` the entry name (``"registry"`` for singletons, the prefix for pull-through cache rules
and creation templates) and ``before``/``after`` the entry in canonical form (documents as
written, so that statement ids survive). Actions:

* ``registry_policy``: create/update put the policy, delete removes it;
* ``scanning`` and ``replication``: update puts the whole configuration (delete puts the empty
  one: BASIC scanning without rules, no replication rules);
* ``pull_through_cache_rules``: create, update (credential and custom role only), replace (a new
  upstream: delete then create) and delete;
* ``creation_templates``: create, update, delete;
* ``account_settings``: create/update put each declared value that differs; delete does nothing
  (ECR cannot reset them).
"""

from regform.registry_settings.changes import setting_changes
from regform.registry_settings.fields import (
    setting_field_changes,
    setting_notes,
    setting_requires_replace,
    settings_equal,
)
from regform.registry_settings.shapes import (
    ACCOUNT_SETTING_NAMES,
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    KEYED_KINDS,
    PULL_THROUGH_CACHE_RULES,
    PULL_THROUGH_REPLACE_ON,
    PULL_THROUGH_UPDATABLE,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    SETTING_KINDS,
    SINGLETON_NAME,
    canonical_item,
    canonical_setting,
    normalize_item,
    normalize_setting,
    parse_document,
    setting_entries,
)
from regform.registry_settings.validate import validate_entry, validate_setting

__all__ = [
    "ACCOUNT_SETTINGS",
    "ACCOUNT_SETTING_NAMES",
    "CREATION_TEMPLATES",
    "KEYED_KINDS",
    "PULL_THROUGH_CACHE_RULES",
    "PULL_THROUGH_REPLACE_ON",
    "PULL_THROUGH_UPDATABLE",
    "REGISTRY_POLICY",
    "REPLICATION",
    "SCANNING",
    "SETTING_KINDS",
    "SINGLETON_NAME",
    "canonical_item",
    "canonical_setting",
    "normalize_item",
    "normalize_setting",
    "parse_document",
    "setting_changes",
    "setting_entries",
    "setting_field_changes",
    "setting_notes",
    "setting_requires_replace",
    "settings_equal",
    "validate_entry",
    "validate_setting",
]
