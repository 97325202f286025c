"""Exceptions of the data layer: each carries a message a person can act on."""


class PcnDataError(Exception):
    """Base class: the message is meant to be shown to the user as it is."""


class DatabaseLockedError(PcnDataError):
    """The DuckDB file is held by another process."""


class DatabaseError(PcnDataError):
    """A DuckDB error, wrapped with a readable message."""


class ConfigError(PcnDataError):
    """A setting has a value the product cannot accept."""


class RenderError(PcnDataError):
    """A chart could not be drawn as an image (no Chromium, or it failed)."""
