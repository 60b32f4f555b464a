"""Expected failures: each carries a message a person can act on.

The CLI prints the message on one line and exits non-zero; the bot turns it into a polite reply.
Nothing else catches these.
"""

from __future__ import annotations


class BriefingError(Exception):
    """Base class of every expected failure of the briefing index."""


class ConfigError(BriefingError):
    """A setting in the environment is missing or invalid."""


class SeedsError(BriefingError):
    """The seeds folder is missing or holds no readable article."""


class IndexMissingError(BriefingError):
    """No index has been built at the configured place."""


class IndexCorruptError(BriefingError):
    """The index folder exists but cannot be read."""


class IndexMismatchError(BriefingError):
    """The index was built by another model or format version than configured."""


class ModelLoadError(BriefingError):
    """The embedding model cannot be loaded."""


class VectorStoreUnavailableError(BriefingError):
    """The vector database that holds the index's vectors cannot be reached."""


class BuildLockedError(BriefingError):
    """Another build of the same index is running."""


class IndexWriteError(BriefingError):
    """A build could not write a file it needs (a full disk, a read-only folder); the previous
    index, if any, is unchanged."""


class FeedbackStoreError(BriefingError):
    """The database of readers' verdicts on answers cannot be created, written or read."""


class ArticleRejectedError(BriefingError):
    """An article sent to be added cannot be: unreadable, already in the briefing, or too big."""


class ArticleNotFoundError(BriefingError):
    """An article asked to be removed is not one that can be."""


class FollowStoreError(BriefingError):
    """The database of followed topics and scheduled digests cannot be created, written or read."""
