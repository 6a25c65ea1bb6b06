"""Read-side queries, by use: ``inbox``, ``dossiers``, ``catalogue``, ``public`` (and ``paging``).

Commands change state; these only read. Each answer is built from a fixed
number of SQL statements (joins, never one query per row) and returned as
plain dicts, ready for JSON or a template. Who may see what is not decided
here: every visibility filter comes from :mod:`engine.policy`, the one access
policy the commands use too, so the web pages and the REST API apply it alike.

``from engine import queries as q`` gives every name below.
"""

from __future__ import annotations

from ..text import fold
from .catalogue import fields, procedure, procedure_bpmn, procedures
from .closure import DueClosure, due_for_closure
from .dossiers import (
    MAX_ID,
    can_view,
    dossier_detail,
    dossier_summary,
    dossiers,
    events,
    find_dossier,
    issued_form,
    numeric_id,
    visible_dossier,
)
from .inbox import inbox, inbox_procedures
from .paging import MAX_PER_PAGE, Page, clamp
from .public import DIGITS, NOT_FOUND, lookup_digits, mask_identifier, mask_name, public_status

__all__ = [
    "MAX_ID", "MAX_PER_PAGE", "DueClosure", "Page", "can_view", "clamp", "dossier_detail", "dossier_summary", "dossiers",
    "due_for_closure", "events", "fields", "find_dossier", "numeric_id", "visible_dossier",
    "fold", "inbox", "inbox_procedures", "issued_form", "mask_identifier", "mask_name", "procedure", "procedure_bpmn",
    "procedures", "public_status", "DIGITS", "NOT_FOUND", "lookup_digits",
]
