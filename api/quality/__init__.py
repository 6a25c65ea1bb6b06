"""The quality officer's room (issue 10): conformance, deviations, nonconformities, internal audits,
KPIs, the audit-log viewer and the exports (``engine/quality``). One module per job on the
``quality`` blueprint of ``base``; templates in ``templates/quality/``."""

from . import conformance, logbook, records  # noqa: F401  (register the views)
from .base import bp
from .folder import audit_folder

__all__ = ["audit_folder", "bp"]
