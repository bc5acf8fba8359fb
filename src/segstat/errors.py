"""Exceptions and warnings raised by segstat.

Every exception derives from :class:`SegstatError`, and every concrete error
also derives from the built-in it refines (:class:`ValueError`,
:class:`TypeError`, :class:`KeyError` ...), so ``except ValueError`` in
existing code keeps working.
"""

from __future__ import annotations

__all__ = [
    "AuditError",
    "CacheWarning",
    "CodeError",
    "ColumnError",
    "CrosswalkError",
    "DataIntegrityError",
    "DownloadError",
    "InputTypeError",
    "InputValueError",
    "MissingDependencyError",
    "ResourceLimitError",
    "SegstatError",
    "SegstatWarning",
    "UnknownCodeError",
    "UnplacedWarning",
    "VintageError",
    "CoercedWarning",
    "DisclosureRiskError",
]


class SegstatError(Exception):
    """Base class of every error raised by segstat."""


class InputValueError(SegstatError, ValueError):
    """A value passed to a segstat function is not acceptable."""


class InputTypeError(SegstatError, TypeError):
    """An argument has the wrong type."""


class ColumnError(SegstatError, KeyError):
    """A required column is missing from a DataFrame.

    Subclasses :class:`KeyError`; the message is kept readable (``KeyError``
    would otherwise quote it).
    """

    def __str__(self) -> str:  # KeyError.__str__ adds quotes around the message
        return str(self.args[0]) if self.args else ""


class CodeError(InputValueError):
    """An area code is malformed (wrong pattern, lost leading zero, integer)."""


class UnknownCodeError(InputValueError):
    """A well-formed area code does not exist in the requested vintage."""


class VintageError(InputValueError):
    """An unknown vintage, or codes of two vintages mixed in one call."""


class CrosswalkError(InputValueError):
    """Counts cannot be moved between vintages without more information."""


class DataIntegrityError(SegstatError, RuntimeError):
    """A bundled or cached data file does not match its recorded checksum or shape."""


class DownloadError(SegstatError, OSError):
    """A download failed (closed network, server error, failed verification)."""


class MissingDependencyError(SegstatError, ImportError):
    """An optional dependency (an extra) is needed for this function."""


class AuditError(SegstatError, RuntimeError):
    """A disclosure audit could not be completed."""


class DisclosureRiskError(SegstatError, RuntimeError):
    """A table would disclose a protected cell and is refused."""


class ResourceLimitError(SegstatError, MemoryError):
    """A job would need more memory than the machine has; raised before the work starts, saying what fits."""


class SegstatWarning(UserWarning):
    """Base class of warnings issued by segstat."""


class UnplacedWarning(SegstatWarning):
    """Some records could not be placed in an area; they are kept as ``<NA>``."""


class CoercedWarning(SegstatWarning):
    """Some values were replaced by ``<NA>`` because ``errors="coerce"`` was asked for."""


class CacheWarning(SegstatWarning):
    """A verified download could not be written to the cache; it is returned, and fetched again next time."""
