"""Bulk loading of dossiers exported from another one-stop system (``motcua import dossiers``).

``source`` reads the export (CSV or JSON lines), ``plan`` turns each record into the
rows the engine would hold (closed: history; open: at its current step, with its
route), ``write`` stores them in batches (COPY on PostgreSQL), ``load`` runs it all
in one transaction: every record loads, or none.
"""

from .load import Problem, Report, import_dossiers

__all__ = ["Problem", "Report", "import_dossiers"]
