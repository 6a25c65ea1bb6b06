"""The analyst's workbench (cán bộ kiểm soát TTHC), under ``/kiem-soat``: one module per job.

``catalogue`` (the catalogue with filters, a procedure's versions with a visual
diff, the decisions timeline), ``drafts`` (edit a definition or draw its route in
the bpmn-js modeller, validate with line-level messages, save a draft, dry-run and
publish it by an audited decision). ``base`` holds the blueprint, its hooks
(signed in, the ``author`` rule of the access policy, CSRF on every POST) and its
Vietnamese error pages.
"""

from __future__ import annotations

from . import catalogue, drafts  # noqa: F401  (register the views)
from .base import bp

__all__ = ["bp"]
