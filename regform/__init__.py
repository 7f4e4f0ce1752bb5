"""regform: container registries as code.

Everything the command line does is a function here::

    from regform import apply_plan, build_providers, load_config, make_plan
    from regform.render import render

    config = load_config(["registries/"])          # ConfigError lists every problem
    providers = build_providers(config)            # one provider per declared registry
    plan = make_plan(config, providers)            # reads the registries, never writes
    print(render(plan, "markdown"))                # "text" | "markdown" | "json"
    result = apply_plan(plan, providers, allow_destroy=False)

``make_drift_report`` (drift), ``regform.workflows.ensure.ensure`` (on-demand repositories),
``read_for_import`` and ``import_config`` (adoption) complete the set. Names are imported on
first use, so ``import regform`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from regform.version import __version__

_EXPORTS = {
    "load_config": "regform.config",
    "validate_paths": "regform.config",
    "build_providers": "regform.providers",
    "make_plan": "regform.workflows.plan_apply",
    "apply_plan": "regform.workflows.plan_apply",
    "check_saved_plan": "regform.workflows.plan_apply",
    "make_drift_report": "regform.workflows.drift",
    "read_for_import": "regform.workflows.importer_read",
    "import_config": "regform.workflows.importer",
    "Plan": "regform.plan",
    "Config": "regform.model",
    "RegformError": "regform.errors",
    "ConfigError": "regform.errors",
}

__all__ = [
    "Config",
    "ConfigError",
    "Plan",
    "RegformError",
    "__version__",
    "apply_plan",
    "build_providers",
    "check_saved_plan",
    "import_config",
    "load_config",
    "make_drift_report",
    "make_plan",
    "read_for_import",
    "validate_paths",
]

if TYPE_CHECKING:
    from regform.config import load_config, validate_paths
    from regform.errors import ConfigError, RegformError
    from regform.model import Config
    from regform.plan import Plan
    from regform.providers import build_providers
    from regform.workflows.drift import make_drift_report
    from regform.workflows.importer import import_config
    from regform.workflows.importer_read import read_for_import
    from regform.workflows.plan_apply import apply_plan, check_saved_plan, make_plan


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'regform' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
