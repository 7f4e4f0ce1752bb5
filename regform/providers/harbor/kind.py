"""What the Harbor provider declares: capabilities, registry keys, project keys, config rules."""

from __future__ import annotations

from regform.providers.base import ProviderKind, RepositoryKeys
from regform.providers.harbor.config import (
    SETTING_FIELDS,
    build,
    check_entry,
    check_registry,
    name_problem,
)
from regform.providers.harbor.export import export
from regform.providers.harbor.fields import HARBOR_CAPABILITIES
from regform.providers.harbor.words import words
from regform.providers.urls import url_host

KIND = ProviderKind(
    name="harbor",
    capabilities=HARBOR_CAPABILITIES,
    package="regform.providers.harbor",
    factory="regform.providers.harbor.provider:HarborProvider.from_config",
    credential="regform.providers.harbor.credential:harbor_credential",
    auth_key=url_host,
    check_registry=check_registry,
    name_problem=name_problem,
    repository_keys=RepositoryKeys(
        package="regform.providers.harbor",
        fields=SETTING_FIELDS,
        alternatives=(
            ("lifecycle", "retention"),
            ("image_tag_mutability", "image_tag_mutability_exclusions", "immutable_tags"),
        ),
        check_entry=check_entry,
        build=build,
        words=words,
        export=export,
    ),
)
