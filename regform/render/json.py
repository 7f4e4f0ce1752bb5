"""The plan as JSON: the versioned format of ``Plan.to_dict()`` (see :mod:`regform.plan`)."""

from __future__ import annotations

import json

from regform.plan import Plan


def render(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, sort_keys=True) + "\n"
