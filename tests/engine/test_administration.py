"""The administrator's console, engine side (SQLite and PostgreSQL): separation of duties, "act as",
accounts and tokens, each change audited with a declared kind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import FixedClock, Forbidden, InvalidCommand, Services
from engine import administration as adm
from engine.audit import verify
from engine.simulate import Driver
from engine.storage.accounts import ApiToken, User, authenticate, issue_token
from engine.storage.models import AuditEvent
from tests.helpers import AGENCY, APPLICANT, DIVISION, audit_count, open_task

REASON = "Chuyên viên nghỉ ốm, hồ sơ sắp quá hạn"


def _events(services: Services, kind: str) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(session.execute(select(AuditEvent).where(AuditEvent.action == kind).order_by(AuditEvent.id)).scalars())


def test_an_administrator_acts_on_a_dossier_only_under_a_recorded_act_as(commands, services, staff, clock):
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "direct", ["don"])
    Driver(commands, staff).run(dossier, until="appraise")
    task = open_task(services, dossier.id, "appraise")
    admin = staff["admin"]
    before = audit_count(services)
    for attempt in (lambda: commands.claim(admin, task.id), lambda: commands.complete(admin, task.id),
                    lambda: commands.request_supplement(admin, dossier.code, ["Bản sao giấy khai sinh"]),
                    lambda: commands.receive(admin, "1.001806", APPLICANT)):
        with pytest.raises(Forbidden, match="Quản trị viên không"):
            attempt()
    assert audit_count(services) == before
    with pytest.raises(Forbidden):  # only an administrator records an act-as
        commands.act_as(staff["director"], dossier.code, REASON)
    with pytest.raises(InvalidCommand, match="lý do"):
        commands.act_as(admin, dossier.code, "vì")
    assert audit_count(services) == before

    commands.act_as(admin, dossier.code, REASON)
    commands.claim(admin, task.id)  # now it is their own act, under their id
    [event] = _events(services, "admin.act_as")
    assert event.chain == dossier.code and event.actor == "admin" and event.after["reason"] == REASON
    assert _events(services, "task.claimed")[-1].actor == "admin"
    with services.sessions() as session:
        assert not list(verify(session))

    clock.advance(minutes=61)  # the act-as has run out
    with pytest.raises(Forbidden, match="làm thay"):
        commands.complete(admin, task.id)


def test_an_act_as_covers_only_its_dossier(commands, services, staff):
    one = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "direct", ["don"])
    other = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "direct", ["don"])
    commands.act_as(staff["admin"], one.code, REASON)
    with pytest.raises(Forbidden, match=other.code):
        commands.withdraw(staff["admin"], other.code, "Công dân xin rút")
    commands.withdraw(staff["admin"], one.code, "Công dân xin rút")


def test_accounts_are_created_changed_locked_and_reset_with_audit(services: Services, staff):
    admin = staff["admin"]
    with pytest.raises(Forbidden):
        adm.create_user(services, staff["director"], "nguoimoi", adm.Account("Người Mới", "specialist", AGENCY))
    with pytest.raises(InvalidCommand, match="phòng"):
        adm.create_user(services, admin, "nguoimoi", adm.Account("Người Mới", "specialist", AGENCY, "khong-co"))
    with pytest.raises(InvalidCommand, match="cơ quan"):
        adm.create_user(services, admin, "nguoimoi", adm.Account("Người Mới", "specialist", None))
    temporary = adm.create_user(services, admin, "NguoiMoi", adm.Account("  Người   Mới ", "specialist", AGENCY, DIVISION))
    with services.sessions() as session:
        user = session.get(User, "nguoimoi")
        assert user is not None and user.must_change_password and user.name == "Người Mới"
        assert authenticate(session, "nguoimoi", temporary) is not None
    adm.change_own_password(services, "nguoimoi", temporary, "mat-khau-moi-dai")
    with services.sessions() as session:
        user = session.get(User, "nguoimoi")
        assert user is not None and not user.must_change_password
        issue_token(session, user, services.now())
        session.commit()

    adm.update_user(services, admin, "nguoimoi", adm.Account("Người Mới", "division_head", AGENCY, DIVISION))
    adm.set_active(services, admin, "nguoimoi", False)
    with services.sessions() as session:
        assert authenticate(session, "nguoimoi", "mat-khau-moi-dai") is None  # locked
        assert not session.execute(select(ApiToken).where(ApiToken.user_id == "nguoimoi")).first()  # tokens revoked
    adm.set_active(services, admin, "nguoimoi", True)
    again = adm.reset_password(services, admin, "nguoimoi")
    with services.sessions() as session:
        user = session.get(User, "nguoimoi")
        assert user is not None and user.role == "division_head" and user.must_change_password
        assert authenticate(session, "nguoimoi", again) is not None
    with pytest.raises(InvalidCommand, match="chính mình"):
        adm.set_active(services, admin, "admin", False)

    kinds = [e.action for e in _events_all(services) if e.action.startswith("account.")]
    assert kinds == ["account.created", "account.password_changed", "account.updated", "account.deactivated",
                     "account.reactivated", "account.password_reset"]
    updated = _events(services, "account.updated")[0]
    assert updated.before["role"] == "specialist" and updated.after["role"] == "division_head" and updated.actor == "admin"
    with services.sessions() as session:
        assert not list(verify(session))


def test_revoking_a_token_stops_it(services: Services, staff):
    adm.create_user(services, staff["admin"], "cobothu", adm.Account("Cán Bộ Thử", "one_stop", AGENCY))
    with services.sessions() as session:
        user = session.get(User, "cobothu")
        assert user is not None
        _, row = issue_token(session, user, services.now())
        session.commit()
        token_id = row.id
    adm.revoke_token(services, staff["admin"], token_id)
    with services.sessions() as session:
        assert session.get(ApiToken, token_id) is None
    assert _events(services, "account.token_revoked")[0].after == {"user": "cobothu", "token": token_id}


def _events_all(services: Services) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())


@pytest.fixture(autouse=True)
def _no_users(services: Services):
    """Accounts are not among the tables emptied per test: start from none."""
    from sqlalchemy import delete

    with services.sessions() as session:
        session.execute(delete(ApiToken))
        session.execute(delete(User))
        session.commit()
    assert isinstance(services.clock, FixedClock)
