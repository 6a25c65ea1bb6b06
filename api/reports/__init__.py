"""Statistics for leaders (``/bao-cao``: II.06a, ledger, control slips, dashboard, search, 766) and the public (``/thong-ke``)."""

from . import books, leaders, printing, views  # noqa: F401  (registers the views)
from .base import bp, public_bp

__all__ = ["bp", "public_bp"]
