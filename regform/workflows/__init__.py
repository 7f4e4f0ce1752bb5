"""Workflows: the steps that talk to providers, built on the pure planning layer.

Read a registry (``reader``), plan and apply (``plan_apply``, ``applier``), preview lifecycle
policies (``preview``), report drift (``drift``), adopt existing registries (``importer``,
``importer_read``) and create repositories on demand (``ensure``)."""
