"""What every command needs, wired once: sessions, calendar, clock, caches, settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .calendar import WorkingCalendar
from .clock import Clock, SystemClock
from .definitions import Procedure, compiled_spec, procedure_from_data
from .definitions.xmlfile import DEFAULT_LIMITS, Limits
from .errors import Conflict, NotFound
from .route import WorkflowCache
from .storage.models import (
    AgencyRow,
    AuditEvent,
    DivisionRow,
    OutboxMessage,
    ProcedureVersion,
    table,
)
from .storage.rows import RowWriter
from .sweeps.config import SweepSettings

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec


_AUDIT = table(AuditEvent)
_OUTBOX = table(OutboxMessage)
_INSERT_AUDIT = insert(_AUDIT)
_INSERT_OUTBOX = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)

_VERSIONS = ProcedureVersion.__table__.c
_IN_FORCE = (
    select(_VERSIONS.id, _VERSIONS.abolished_from, _VERSIONS.decision)
    .where(_VERSIONS.code == bindparam("code"), or_(_VERSIONS.effective_from.is_(None), _VERSIONS.effective_from <= bindparam("on")))
    .order_by(_VERSIONS.effective_from.desc().nulls_last(), _VERSIONS.version.desc())
    .limit(1)
)
_ANY_VERSION = select(_VERSIONS.id).where(_VERSIONS.code == bindparam("code")).limit(1)

STALE_MESSAGE = (
    "Hồ sơ vừa được người khác cập nhật; thao tác của bạn chưa được ghi. Hãy tải lại và thử lại. "
    "(The dossier was changed by someone else; nothing was saved.)"
)


@dataclass
class Settings:
    allow_unconfirmed: bool = False  # accept dossiers for procedures whose deadline/route are unconfirmed
    dispatch_outbox: bool = True  # run inline side effects (forms) right after each commit (a worker also can)
    workflows_dir: Path | None = None  # the workflows folder (MOTCUA_WORKFLOWS); None: the checkout's
    outbox_max_attempts: int = 8  # a side effect failing this many times is dead-lettered
    bpmn_limits: Limits = DEFAULT_LIMITS  # size, element count and depth of an uploaded BPMN file
    sweep: SweepSettings = field(default_factory=SweepSettings)  # the scheduler's warnings (engine/sweeps)
    notices_dir: Path | None = None  # administrator's notice templates over the packaged ones (MOTCUA_NOTICES)


@dataclass
class LoadedVersion:
    row_id: int
    code: str
    version: int
    procedure: Procedure
    spec: BpmnProcessSpec


@dataclass
class Services:
    sessions: sessionmaker[Session]
    calendar: WorkingCalendar
    clock: Clock = field(default_factory=SystemClock)
    settings: Settings = field(default_factory=Settings)
    workflows: WorkflowCache = field(default_factory=WorkflowCache)

    def __post_init__(self) -> None:
        self._versions: dict[int, LoadedVersion] = {}
        self._agencies: dict[str, AgencyRow] = {}
        self._divisions: dict[tuple[str, str], str] | None = None

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction. A stale dossier version becomes a Conflict; nothing is half-written."""
        session = self.sessions()
        pending: list = []
        session.info["after_commit"] = pending
        audit_rows: list[dict[str, Any]] = []
        outbox_rows: list[dict[str, Any]] = []
        session.info["audit_rows"], session.info["outbox_rows"] = audit_rows, outbox_rows
        try:
            yield session
            rows: RowWriter | None = session.info.get("rows")
            if rows is not None:
                rows.flush()
            if audit_rows or outbox_rows:
                session.flush()  # anything added through the ORM (decisions) before the rows that follow it
                conn = session.connection()
                if audit_rows:  # one multi-row INSERT each
                    conn.execute(_INSERT_AUDIT, audit_rows)
                if outbox_rows:  # their ids let the command run exactly its own side effects after commit
                    session.info["outbox_ids"] = list(conn.execute(_INSERT_OUTBOX, outbox_rows).scalars())
            session.commit()
        except (StaleDataError, IntegrityError) as exc:
            # A stale dossier version, or a concurrent writer taking the same audit sequence:
            # either way someone else changed the dossier first.
            session.rollback()
            raise Conflict(STALE_MESSAGE, cause=type(exc).__name__) from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        for callback in pending:
            callback()

    @staticmethod
    def rows(session: Session) -> RowWriter:
        """The unit of work's dossier and task rows (see ``storage.rows``)."""
        writer = session.info.get("rows")
        if writer is None:
            writer = session.info["rows"] = RowWriter(session.connection())
        return writer

    def version(self, session: Session, version_id: int) -> LoadedVersion:
        loaded = self._versions.get(version_id)
        if loaded is None:
            row = session.get(ProcedureVersion, version_id)
            if row is None:
                raise NotFound(f"Không có phiên bản thủ tục #{version_id}")
            procedure = procedure_from_data(row.definition, f"{row.code} v{row.version}", bpmn_xml=row.bpmn_xml)
            spec = compiled_spec(row.digest, row.bpmn_xml, procedure.bpmn_process)
            loaded = LoadedVersion(row.id, row.code, row.version, procedure, spec)
            self._versions[version_id] = loaded
        return loaded

    def version_in_force(self, session: Session, code: str, on: date) -> Row[Any, Any, Any]:
        """The version of ``code`` in force on ``on``: latest effective (its id, abolition date, decision)."""
        conn = session.connection()
        row = conn.execute(_IN_FORCE, {"code": code, "on": on}).first()
        if row is None:
            if conn.execute(_ANY_VERSION, {"code": code}).first():
                raise NotFound(f"Thủ tục {code} chưa có hiệu lực vào ngày {on:%d/%m/%Y}.", code=code)
            raise NotFound(f"Không có thủ tục mã {code}.", code=code)
        return row

    def agency(self, session: Session, agency_id: str) -> AgencyRow:
        row = self._agencies.get(agency_id)
        if row is None:
            row = session.get(AgencyRow, agency_id)
            if row is None:
                raise NotFound(f"Không có cơ quan '{agency_id}'.")
            session.expunge(row)
            self._agencies[agency_id] = row
        return row

    def division_name(self, agency_id: str, division_id: str) -> str | None:
        """The name of a division of an agency; None when the agency declares no such division.

        Every division is read once (the catalogue has a handful), in a short session of its own.
        """
        names = self._divisions
        if names is None:
            with self.sessions() as session:
                names = {(r.agency_id, r.id): r.name for r in session.execute(select(DivisionRow)).scalars()}
            self._divisions = names
        return names.get((agency_id, division_id))

    def forget_caches(self) -> None:
        self._versions.clear()
        self._agencies.clear()
        self._divisions = None
        self.workflows.clear()


__all__ = ["LoadedVersion", "Services", "Settings"]
