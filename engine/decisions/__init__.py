"""Decisions (quyết định công bố): publish, amend, abolish and transfer procedures from a date.

A decision is a YAML file in ``workflows/decisions/``::

    number: 2022/QĐ-UBND              # số hiệu; null when the data does not give it
    title: Phê duyệt quy trình nội bộ ...
    issuer: Chủ tịch UBND tỉnh Cao Bằng
    signed: 2025-11-27
    effective: 2025-11-27             # null: in force before any date we know
    legal_basis: [...]
    note: ...
    operations:
      - {op: publish, codes: ["1.001806"]}                      # the definition in workflows/procedures/
      - {op: publish, codes: [...], baseline: {agency: cb-so-ldtbxh}}  # identity only, under that agency
      - {op: amend, code: "1.001806", file: decisions/x/1.001806.yaml}
      - {op: abolish, codes: ["1.001806"]}
      - {op: transfer, from: cb-so-ldtbxh, to: cb-so-noi-vu, fields: [viec-lam], dossiers: move}

Replaying every decision in order of effective date (:func:`replay`) gives the
catalogue at any date, from the files alone. :func:`apply` writes one decision
into the database: a new procedure version per published, amended or
transferred procedure (effective from the decision's date), an abolition
marker version (so a refused dossier names the abolishing decision), the
decision row and an audit event; then, for a transfer whose date has come,
it moves the dossiers in progress to the successor agency through
``Commands.transfer_competence`` (an audited event that keeps receipt and due
times). Dossiers stay pinned to the version they were received und

The package, by job: ``model`` (the file and its schema), ``timeline``
(replaying the decisions in memory), ``applying`` (writing one into the
database), ``report`` (what it changed, in words), ``transfers`` (moving the
dossiers in progress) and ``catalogue`` (the catalogue as stored and indexed).
"""

from __future__ import annotations

from .applying import apply, check_decision, plan
from .catalogue import applied, catalogue_in_db, catalogue_index
from .model import DECISION_SCHEMA, OP_LABELS, Decision, Operation, load_decision, schema_json
from .report import CHANGE_LABELS, Change, Report
from .timeline import (
    Entry,
    Timeline,
    decision_files,
    identity_definition,
    replay,
    transferred_definition,
)
from .transfers import run_due_transfers, run_transfers

__all__ = [
    "CHANGE_LABELS", "DECISION_SCHEMA", "OP_LABELS", "Change", "Decision", "Entry", "Operation", "Report", "Timeline",
    "apply", "applied", "catalogue_in_db", "catalogue_index", "check_decision", "decision_files", "identity_definition",
    "load_decision", "plan", "replay", "run_due_transfers", "run_transfers", "schema_json", "transferred_definition",
]
