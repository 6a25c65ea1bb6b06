"""``import_dossiers``: a whole export loaded in one transaction, or nothing.

The file is read once. Each record is checked and drafted (:mod:`.plan`); drafts
are written in batches (:mod:`.write`) while no record has failed. A record that
does not fit (or a code that repeats one already loaded or already in the
database) is reported with its line and reason; after the first such record
nothing more is written, the rest is only checked (so every problem is reported
in one run), and the transaction is rolled back at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from .. import textcheck
from ..errors import DomainError
from ..services import Services
from ..storage.models import Dossier
from .plan import Draft, Planner
from .source import RowProblem, records
from .write import Writer

Progress = Callable[[int, int], None]  # (records read, bytes read)
_EXISTING = select(Dossier.code).where(Dossier.code.in_(bindparam("codes", expanding=True)))
# PostgreSQL: one array parameter. psycopg prepares a statement run five times, and the generic plan of
# ``IN ($1 … $900)`` estimated 900 matches and scanned the table (growing with the import: quadratic).
# ``= ANY($1)`` is planned as a few index probes whatever the size.
_EXISTING_PG = select(Dossier.code).where(Dossier.code == any_(bindparam("codes", type_=ARRAY(String))))


@dataclass(frozen=True)
class Problem:
    line: int
    code: str
    reason: str

    def __str__(self) -> str:
        return f"dòng {self.line}{f' ({self.code})' if self.code else ''}: {self.reason}"


@dataclass
class Report:
    """What an import did: counts by outcome, or the problems that stopped it (nothing loaded)."""

    read: int = 0
    loaded: int = 0
    closed: int = 0
    running: int = 0
    tasks: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def import_dossiers(services: Services, path: Path, *, batch: int = 2000, dry_run: bool = False,
                    progress: Progress | None = None, max_problems: int = 1000) -> Report:
    """Load the export at ``path`` (CSV or JSON lines; :mod:`engine.bulk.source`) in one transaction."""
    report = Report(dry_run=dry_run)
    seen: dict[str, int] = {}
    pending: list[Draft] = []
    with services.sessions() as session:
        audit_rows: list[dict[str, Any]] = []
        session.info["audit_rows"] = audit_rows  # audit.record collects the events here
        planner = Planner(services, session, path.name, services.now())
        writer = Writer(session.connection())

        def flush() -> None:
            drafts = _new_codes(session, pending, report)
            if report.problems or dry_run:
                pending.clear()
                return
            ids = writer.ids(len(drafts))
            audit_rows.clear()
            for draft, dossier_id in zip(drafts, ids, strict=True):
                planner.event(draft, dossier_id)
            tasks = [t for d in drafts for t in d.tasks]
            writer.write([d.dossier for d in drafts], tasks, audit_rows)
            report.loaded += len(drafts)
            report.tasks += len(tasks)
            pending.clear()

        with path.open("rb") as stream:
            for rec in records(path, stream, (lambda n: progress(report.read, n)) if progress else None):
                report.read += 1
                code = rec.text("code")
                try:
                    textcheck.check(rec.values)  # before the row is planned: nothing is written if any row fails
                    if code in seen:
                        raise RowProblem(f"mã hồ sơ trùng với dòng {seen[code]}")
                    draft = planner.draft(rec)
                except (RowProblem, DomainError) as exc:
                    report.problems.append(Problem(rec.line, code, getattr(exc, "message", None) or str(exc)))
                    if len(report.problems) >= max_problems:
                        break
                    continue
                seen[code] = rec.line
                if draft.dossier["route_state"] is not None or draft.dossier["status"] in ("received", "processing", "resolved"):
                    report.running += 1
                else:
                    report.closed += 1
                pending.append(draft)
                if len(pending) >= batch:
                    flush()
            if progress:
                progress(report.read, path.stat().st_size)
        flush()
        if report.problems or dry_run:
            session.rollback()
            report.loaded = report.tasks = 0
        else:
            session.commit()
    return report


def _new_codes(session: Any, drafts: list[Draft], report: Report) -> list[Draft]:
    """The drafts whose code is not in the database yet; the others are reported."""
    codes = [d.dossier["code"] for d in drafts]
    existing: set[str] = set()
    if session.get_bind().dialect.name == "postgresql":
        existing |= set(session.execute(_EXISTING_PG, {"codes": codes}).scalars())
    else:
        for start in range(0, len(codes), 900):  # under SQLite's bound-parameter limit
            existing |= set(session.execute(_EXISTING, {"codes": codes[start:start + 900]}).scalars())
    for draft in drafts:
        if draft.dossier["code"] in existing:
            report.problems.append(Problem(draft.line, draft.dossier["code"], "mã hồ sơ đã có trong cơ sở dữ liệu"))
    return [d for d in drafts if d.dossier["code"] not in existing]


__all__ = ["Problem", "Report", "import_dossiers"]
