"""Tables of the scheduler and the notifications (issue 8 §2).

* ``deadline_alarms``: one row per warning the sweep may send, keyed
  ``(dossier, task, kind)`` (``task_id`` 0 for a warning about the dossier as a
  whole). The unique key is what makes a warning go out once, whatever the
  number of scheduler processes; ``(state, fire_at)`` is the sweep's index.
* ``notifications``: the in-app notices of a staff member (the bell), unique per
  ``(user, dedup)`` so a notice written twice is stored once.
* ``calendar_days``: days off and make-up working days an administrator
  announced in the web app (with the announcing document), on top of
  ``workflows/calendar.yaml``; removed entries stay, marked removed (audited).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, UTCDateTime

PENDING, SENT, VOID = "pending", "sent", "void"


class DeadlineAlarm(Base):
    __tablename__ = "deadline_alarms"
    __table_args__ = (
        UniqueConstraint("dossier_id", "task_id", "kind"),
        Index("ix_deadline_alarms_due", "state", "fire_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[int] = mapped_column(Integer)  # 0: the dossier as a whole
    kind: Mapped[str] = mapped_column(String(30))
    step_id: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(10))  # pending | sent | void
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[str | None] = mapped_column(Text)  # who was told, comma-separated user ids


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "dedup"),
        Index("ix_notifications_user", "user_id", "read_at", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    dossier_id: Mapped[int | None] = mapped_column(Integer)
    dossier_code: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    dedup: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarDay(Base):
    __tablename__ = "calendar_days"
    __table_args__ = (Index("ix_calendar_days_day", "day", "removed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # day_off | working_day
    name: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(80))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


__all__ = ["PENDING", "SENT", "VOID", "CalendarDay", "DeadlineAlarm", "Notification"]
