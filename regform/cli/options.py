"""The typer options several commands share (plan, apply, drift, import, ensure, lifecycle)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_CONFIG = Path("regform.yaml")

ConfigOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--config",
        "-c",
        metavar="PATH",
        help="Config file or directory of *.yaml files; repeat to merge (default: regform.yaml).",
        show_default=False,
    ),
]
RegistryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--registry", metavar="NAME", help="Only this registry (repeatable).", show_default=False
    ),
]
TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="GLOB",
        help="Only repositories matching this glob (repeatable); others are not read or changed.",
        show_default=False,
    ),
]
SandboxOption = Annotated[
    bool, typer.Option("--sandbox", help="Use the embedded sandbox registry instead of AWS.")
]
PreviewOption = Annotated[
    bool | None,
    typer.Option(
        "--lifecycle-preview/--no-lifecycle-preview",
        help="What lifecycle policies would expire now. Default: policies that change; "
        "--lifecycle-preview: every managed policy; --no-lifecycle-preview: none.",
        show_default=False,
    ),
]
ParallelismOption = Annotated[
    int | None,
    typer.Option(
        "--parallelism",
        min=1,
        max=256,
        help="API calls in flight at most, per registry (default: 32 for ECR; fewer while the "
        "registry throttles).",
        show_default=False,
    ),
]
MaxCharsOption = Annotated[
    int | None,
    typer.Option(
        "--max-chars",
        min=1000,
        metavar="N",
        help="Markdown: at most this many characters (default: 65,000; summary and destroys "
        "first, then the changes that fit).",
        show_default=False,
    ),
]
ShowUnmanagedOption = Annotated[
    bool,
    typer.Option(
        "--show-unmanaged",
        help="List the unmanaged repositories outside every scope (default: one count line).",
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show a traceback when something fails.")
]
