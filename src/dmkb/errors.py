"""The errors dmkb raises: one small tree, turned into messages only by the CLI."""

from __future__ import annotations


class DmkbError(Exception):
    """Something the user can fix: a bad argument, a missing path, an unreadable file."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(DmkbError):
    """The command was called with arguments it cannot work with."""


class LoadError(DmkbError):
    """A knowledge base or one of its files cannot be read at all."""


class WriteError(DmkbError, OSError):
    """A file or folder cannot be written. An ``OSError`` too, so callers that let a failed write
    pass (a cache that only speeds things up) still do."""

    def __str__(self) -> str:
        return self.message
