"""The version of regform, defined once: the package metadata, plans and the User-Agent read it."""

__version__ = "0.1.0"
