"""Harbor's fields in regform's model and what the provider can do with them (static data)."""

from __future__ import annotations

from regform import model as m
from regform.model import Capabilities
from regform.plan import PreviewWords

PUBLIC = "public"
PREVENT_VULNERABLE = "prevent_vulnerable"
REUSE_SYS_CVE_ALLOWLIST = "reuse_sys_cve_allowlist"
STORAGE_QUOTA = "storage_quota"
IMMUTABLE_RULES = "immutable_rules"
MEMBERS = "members"
ROBOTS = "robots"
PROXY_CACHE = "proxy_cache"
#: project metadata fields, read with the project listing itself
METADATA_FIELDS = frozenset({PUBLIC, PREVENT_VULNERABLE, REUSE_SYS_CVE_ALLOWLIST, m.SCAN_ON_PUSH})
FIELDS = frozenset(
    {*METADATA_FIELDS, STORAGE_QUOTA, IMMUTABLE_RULES, MEMBERS, ROBOTS, PROXY_CACHE}
    | {m.LIFECYCLE_POLICY}
)

#: Harbor runs tag retention, and what it removes are artifacts.
HARBOR_WORDS = PreviewWords(
    policy="retention",
    remove="delete",
    item="artifact",
    items="artifacts",
    archive=None,
    holder="project",
)

HARBOR_CAPABILITIES = Capabilities(
    fields=FIELDS,
    replace_on=frozenset({PROXY_CACHE}),  # api-facts.md: registry_id is fixed at creation
    listing_fields=METADATA_FIELDS | {PROXY_CACHE},
    lifecycle_engine="regform.providers.harbor.retention",
    field_display="regform.providers.harbor.display",
    preview_words=HARBOR_WORDS,
    secret_fields=frozenset({ROBOTS}),  # api-facts.md "Robot accounts": the secret, once
)
