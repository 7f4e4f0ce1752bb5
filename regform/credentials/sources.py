"""A credential for any declared registry, from where its provider keeps them."""

from __future__ import annotations

from regform.credentials.credential import Credential
from regform.errors import ProviderError
from regform.model import RegistryConfig


def fetch_credential(reg: RegistryConfig, *, check: bool = True) -> Credential:
    """A credential for ``reg``: an ECR token, a distribution or Harbor registry's declared
    credentials (accepted by the registry when ``check``), or Docker Hub's from the environment."""
    if reg.provider == "ecr":
        from regform.credentials.ecr import ecr_credential

        return ecr_credential(reg)
    if reg.provider == "distribution":
        from regform.credentials.distribution import distribution_credential

        return distribution_credential(reg, check=check)
    if reg.provider == "harbor":
        from regform.credentials.harbor import harbor_credential

        return harbor_credential(reg, check=check)
    if reg.provider == "dockerhub":
        from regform.credentials.dockerhub import dockerhub_credential

        return dockerhub_credential(reg)
    raise ProviderError(f"registry {reg.name}: provider {reg.provider} has no credentials")
