"""A credential for any declared registry, from where its provider keeps them."""

from __future__ import annotations

from regform.model import RegistryConfig
from regform.providers import KINDS
from regform.providers.credential import Credential


def fetch_credential(reg: RegistryConfig, *, check: bool = True) -> Credential:
    """A credential for ``reg`` from its provider (``ProviderKind.credential``): an ECR token,
    a distribution or Harbor registry's declared credentials (accepted by the registry when
    ``check``), Docker Hub's from the environment."""
    return KINDS[reg.provider].fetch_credential(reg, check=check)
