"""The plan as JSON: the versioned format of ``Plan.to_dict()`` (see :mod:`regform.plan`)."""

from __future__ import annotations

import json

from regform.plan import Plan
from regform.render.options import DEFAULT, RenderOptions


def render(plan: Plan, options: RenderOptions = DEFAULT) -> str:
    """Every detail, whatever the options say (the plan document is complete)."""
    return json.dumps(plan.to_dict(), indent=2, sort_keys=True) + "\n"
