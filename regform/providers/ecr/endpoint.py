"""Where the ECR API answers, and what the provider tells it around writes.

ECR itself keeps what it is told: :class:`Endpoint` does nothing. The embedded sandbox is an
emulator whose state lives in a file; it overrides these hooks to save after each write and to
resolve emulated KMS keys, and its emulated account is the only one there is
(:class:`~regform.providers.ecr.sandbox.Sandbox`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class Endpoint:
    """A real ECR endpoint (AWS, a VPC endpoint, a test server)."""

    #: how error messages name it.
    description = "this ECR endpoint"

    def identity(self) -> dict[str, str]:
        """What saved plans record of it besides the endpoint URL (nothing, here)."""
        return {}

    def caller_account(self) -> str | None:
        """The account every caller belongs to here, when the endpoint decides it (None: ask
        STS who the credentials are)."""
        return None

    def kms_resolver(self) -> Callable[[str], str] | None:
        """Resolves KMS keys when KMS is emulated here (None: ask KMS)."""
        return None

    def save(self, names: Iterable[str] | None = None) -> None:
        """Repositories ``names`` (None: all) were written."""

    def save_settings(self) -> None:
        """Registry-level settings were written."""

    def close(self) -> None:
        """The provider is done with the endpoint."""


#: the endpoint of every provider not built on the sandbox.
REAL = Endpoint()
