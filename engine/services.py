"""What every command needs, wired once: sessions, calendar, clock, caches, settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .calendar import WorkingCalendar
from .clock import SystemClock
from .definitions import Procedure, compiled_spec, procedure_from_data
from .errors import Conflict, NotFound
from .route import WorkflowCache
from .storage.models import AgencyRow, AuditEvent, OutboxMessage, ProcedureVersion

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec


STALE_MESSAGE = (
    "Hồ sơ vừa được người khác cập nhật; thao tác của bạn chưa được ghi. Hãy tải lại và thử lại. "
    "(The dossier was changed by someone else; nothing was saved.)"
)


@dataclass
class Settings:
    allow_unconfirmed: bool = False  # accept dossiers for procedures whose deadline/route are unconfirmed
    dispatch_outbox: bool = True  # run side effects right after each commit (a worker also can)


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
    clock: SystemClock = field(default_factory=SystemClock)
    settings: Settings = field(default_factory=Settings)
    workflows: WorkflowCache = field(default_factory=WorkflowCache)

    def __post_init__(self) -> None:
        self._versions: dict[int, LoadedVersion] = {}
        self._agencies: dict[str, AgencyRow] = {}

    def now(self) -> datetime:
        return self.clock.now()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction. A stale dossier version becomes a Conflict; nothing is half-written."""
        session = self.sessions()
        pending: list = []
        session.info["after_commit"] = pending
        session.info["audit_rows"] = audit_rows = []
        session.info["outbox_rows"] = outbox_rows = []
        try:
            yield session
            if audit_rows:  # one multi-row INSERT each, after the flush of everything else
                session.execute(insert(AuditEvent), audit_rows)
            if outbox_rows:  # their ids let the command run exactly its own side effects after commit
                session.info["outbox_ids"] = list(
                    session.execute(insert(OutboxMessage).returning(OutboxMessage.id), outbox_rows).scalars()
                )
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

    def version(self, session: Session, version_id: int) -> LoadedVersion:
        loaded = self._versions.get(version_id)
        if loaded is None:
            row = session.get(ProcedureVersion, version_id)
            if row is None:
                raise NotFound(f"Không có phiên bản thủ tục #{version_id}")
            procedure = procedure_from_data(row.definition, f"{row.code} v{row.version}")
            spec = compiled_spec(row.digest, row.bpmn_xml, procedure.bpmn_process)
            loaded = LoadedVersion(row.id, row.code, row.version, procedure, spec)
            self._versions[version_id] = loaded
        return loaded

    def version_in_force(self, session: Session, code: str, on: date) -> ProcedureVersion:
        """The version of ``code`` in force on ``on``: latest effective, not abolished."""
        row = session.execute(
            select(ProcedureVersion)
            .where(
                ProcedureVersion.code == code,
                or_(ProcedureVersion.effective_from.is_(None), ProcedureVersion.effective_from <= on),
            )
            .order_by(ProcedureVersion.effective_from.desc().nulls_last(), ProcedureVersion.version.desc())
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            exists = session.execute(select(ProcedureVersion.id).where(ProcedureVersion.code == code).limit(1)).first()
            if exists:
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

    def forget_caches(self) -> None:
        self._versions.clear()
        self._agencies.clear()
        self.workflows.clear()


__all__ = ["LoadedVersion", "Services", "Settings"]
