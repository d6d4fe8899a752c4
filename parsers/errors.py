"""Errors raised by the parsers. All derive from :class:`ParserError`."""

from __future__ import annotations


class ParserError(Exception):
    """Base of every error the parsers raise."""


class UnreadableDocument(ParserError):
    """The document cannot be read at all; ``reason`` is a sentence for an officer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedDocument(UnreadableDocument):
    """The file is of a kind we do not read (yet)."""


class ValueNotReadable(ParserError):
    """An answer is present but cannot be read as the question's kind."""
