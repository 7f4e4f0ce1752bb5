"""A config directory pointed at the fake Harbor, and the shared workflow run over it."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from fake_harbor import FakeHarbor

from regform import apply_plan, build_providers, load_config, make_plan
from regform.model import Config
from regform.plan import Plan
from regform.providers.base import Provider

REGISTRY = """\
version: 1
registries:
  hb:
    provider: harbor
    url: {url}
    allow_http: true
    username_env: HARBOR_USER
    password_env: HARBOR_PASSWORD
{extra}
"""


@dataclass
class Workspace:
    """A config directory for the fake Harbor, and the shared workflow run over it."""

    harbor: FakeHarbor
    path: Path

    def write(self, body: str, registry_extra: str = "") -> Config:
        self.write_only(body, registry_extra)
        return load_config(self.path)

    def write_only(self, body: str, registry_extra: str = "") -> None:
        text = REGISTRY.format(url=self.harbor.url, extra=registry_extra) + textwrap.dedent(body)
        (self.path / "regform.yaml").write_text(text)

    def providers(self, config: Config) -> dict[str, Provider]:
        return build_providers(config)

    def plan(self, config: Config) -> Plan:
        return make_plan(config, self.providers(config))

    def apply(self, config: Config, *, allow_destroy: bool = False) -> Plan:
        providers = self.providers(config)
        plan = make_plan(config, providers)
        result = apply_plan(plan, providers, allow_destroy=allow_destroy)
        assert not result.failed, [str(e) for _, e in result.failed]
        return plan
