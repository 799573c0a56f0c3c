"""The exceptions of :mod:`unitsum_gpu`, one class per kind of failure.

Every exception is a :class:`UnitsumError`. Bad input is also a
:class:`ValueError` (:class:`SpecError`, :class:`UsageError`), a file that
cannot be read or written an :class:`OSError` (:class:`FileError`), so code
that catches the built-in classes keeps working.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "UnitsumError",
    "SpecError",
    "UsageError",
    "FileError",
    "TooLargeError",
    "GpuError",
    "NoAdapterError",
    "CheckFailedError",
    "GpuCheckFailedError",
    "DisagreeError",
    "InvalidResultError",
    "LpError",
    "CancelledError",
]


class UnitsumError(Exception):
    """Base class of every error the package raises."""


class SpecError(UnitsumError, ValueError):
    """The spec (a dict, JSON text or file) is malformed.

    Attributes:
        path: the JSON path of the offending value, e.g.
            ``coalitions[1].policy.marginals[0]`` (``(root)`` for the whole spec).
        detail: what is wrong with it.
    """

    path: str = ""
    detail: str = ""


class UsageError(UnitsumError, ValueError):
    """A keyword argument has a bad value (``option`` names it)."""

    option: str = ""
    detail: str = ""


class FileError(UnitsumError, OSError):
    """A file could not be read or written (``filename`` names it)."""


class TooLargeError(UnitsumError):
    """The problem is too large for the method or backend asked for.

    Refused before any work starts. ``remedy`` says what has no such limit:
    ``"cpu backend"``, ``"sampling"``, ``"counts method"``, ``"memory limit"`` (raise
    ``memory_limit_gib``) or ``"smaller problem"``.
    """

    remedy: str = "smaller problem"


class GpuError(UnitsumError):
    """The GPU reported an error (validation, device lost, mapping)."""


class NoAdapterError(GpuError):
    """No GPU adapter is available (use ``backend="cpu"``)."""


class CheckFailedError(UnitsumError):
    """A result failed one of its checks and was refused, not returned."""


class GpuCheckFailedError(GpuError, CheckFailedError):
    """A GPU dispatch processed another number of items than it was given."""

    expected: Optional[int] = None
    got: Optional[int] = None


class DisagreeError(CheckFailedError):
    """With ``backend="both"``, the GPU and the CPU differ beyond the tolerance."""

    difference: float = float("nan")
    tolerance: float = float("nan")


class InvalidResultError(CheckFailedError):
    """A result was not finite, not in [0, 1] or not unit-sum within rounding."""


class LpError(UnitsumError):
    """The linear-programming solver failed."""


class CancelledError(UnitsumError):
    """The computation was cancelled."""
