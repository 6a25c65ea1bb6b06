"""Staff deadline warnings and escalations also by e-mail, to the address a user gave (issue 8, staff e-mail),
against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL; once each, like the in-app notice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import InvalidCommand, dispatch_pending
from engine import administration as adm
from engine.storage.accounts import User
from engine.storage.models import AuditEvent, OutboxMessage
from engine.sweeps.deadlines import sweep
from tests.handlers.test_notify_channels import Mailbox, smtp  # noqa: F401  (the SMTP server fixture)
from tests.helpers import APPLICANT, local, only_task


def run(services, clock, when):
    clock.set(when)
    report = sweep(services)
    dispatch_pending(services)
    return report


def mails(services):
    with services.sessions() as session:
        return [m.payload for m in session.execute(select(OutboxMessage).where(OutboxMessage.handler == "notify.email")
                                                   .order_by(OutboxMessage.id)).scalars()]


def test_warnings_go_by_email_once_to_those_who_gave_an_address(services, commands, staff, clock, people, smtp: Mailbox):  # noqa: F811
    assert adm.change_own_email(services, "one_stop1", "  mot.cua@caobang.gov.vn ") == "mot.cua@caobang.gov.vn"
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    intake = only_task(services, dossier.id, "intake").name
    assert run(services, clock, local(2026, 3, 2, 15, 31)).sent == 1  # 20 % of the intake step left
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "mot.cua@caobang.gov.vn"
    assert mail["Subject"] == f'Sắp đến hạn: bước "{intake}" của hồ sơ {dossier.code}'
    assert dossier.code in mail.get_content()
    run(services, clock, local(2026, 3, 2, 15, 40))  # nothing new: no second mail
    assert len(smtp.messages) == 1
    # Overdue: the desk and the division head (who gave no address: in-app only); escalation: head and director.
    run(services, clock, local(2026, 3, 3, 8, 0))
    run(services, clock, local(2026, 3, 3, 17, 0))
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == ["Sắp đến hạn", "Quá hạn"]
    assert {p["user"] for p in mails(services)} == {"one_stop1"}
    # The director gives an address: the next escalation reaches them by mail too.
    adm.change_own_email(services, "director1", "giam.doc@caobang.gov.vn")
    second = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    run(services, clock, local(2026, 3, 4, 8, 0))  # the second dossier's intake: overdue (to the desk)
    run(services, clock, local(2026, 3, 4, 17, 0))  # and escalated
    to_director = [m for m in smtp.messages if m["To"] == "giam.doc@caobang.gov.vn"]
    assert to_director and all(second.code in m["Subject"] for m in to_director)
    assert to_director[0]["Subject"].startswith("Báo cáo lãnh đạo")


def test_without_a_mail_server_or_an_address_nothing_is_mailed(services, commands, staff, clock, people, monkeypatch):
    monkeypatch.delenv("MOTCUA_SMTP_HOST", raising=False)
    adm.change_own_email(services, "one_stop1", "mot.cua@caobang.gov.vn")
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    assert run(services, clock, local(2026, 3, 2, 15, 31)).sent == 1
    assert mails(services) == []  # the in-app notice only


def test_the_address_is_checked_and_its_change_audited(services, people):
    with pytest.raises(InvalidCommand, match="không hợp lệ"):
        adm.change_own_email(services, "one_stop1", "mot cua@caobang")
    adm.change_own_email(services, "one_stop1", "mot.cua@caobang.gov.vn")
    adm.change_own_email(services, "one_stop1", "")  # removed
    with services.sessions() as session:
        assert session.get(User, "one_stop1").email is None
        changes = list(session.execute(select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.action == "account.updated").order_by(AuditEvent.id)).all())
    assert [(b["email"], a["email"]) for b, a in changes[-2:]] == [(None, "mot.cua@caobang.gov.vn"), ("mot.cua@caobang.gov.vn", None)]
