"""Planning: the pure step from (desired, actual) to a :class:`~regform.plan.Plan`.

Which fields and repositories are in scope (``scope``), how one field compares (``compare``), the
planner itself (``planner``), the safety guards (``guards``) and retention that regform enforces
itself on registries without lifecycle support (``retention``). Nothing here calls an API."""
