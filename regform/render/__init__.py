"""Plan renderers: a :class:`~regform.plan.Plan` in, a string out. They decide nothing.

* ``text``: the terminal, in Terraform's visual language (plain text; the CLI adds colour);
* ``markdown``: pull-request comments (summary first, details collapsible);
* ``json``: the versioned plan format (``Plan.to_dict()``), also what ``plan --out`` saves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from regform.plan import Plan
from regform.render import json, markdown, text
from regform.render.options import DEFAULT, RenderOptions
from regform.render.printable import printable_values

RENDERERS: Mapping[str, Callable[[Plan, RenderOptions], str]] = {
    "text": text.render,
    "markdown": markdown.render,
    "json": json.render,
}

FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(plan: Plan, fmt: str = "text", options: RenderOptions = DEFAULT) -> str:
    """The plan in one of :data:`FORMATS`, presented as ``options`` say (text and Markdown
    show every string of it printable: :mod:`regform.render.printable`)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown plan format {fmt!r} (one of: {', '.join(FORMATS)})") from None
    return renderer(plan if fmt == "json" else printable_values(plan), options)


__all__ = ["FORMATS", "RENDERERS", "RenderOptions", "render"]
