"""The README's Harbor and distribution samples run against the fake Harbor of tests/harbor and
the docker-registry server of tests/distribution."""

from __future__ import annotations

import sys
from pathlib import Path

for directory in ("harbor", "distribution"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / directory))
