"""Demo data for `motcua setup --demo`: accounts for every role and dossiers at every stage.

Every dossier is made through the engine's commands only (the same path as a
real desk), with the services' clock set back in time so that some dossiers
are due soon and some are overdue today. Running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from engine import Actor, Commands, FixedClock, Services
from engine.simulate import Driver
from engine.storage.accounts import User, upsert_user
from engine.storage.models import AuditEvent, Dossier

PASSWORD = "motcua2026"
AGENCY = "cb-so-y-te"
OTHER_AGENCY = "cb-so-noi-vu"
# Divisions are ids of workflows/agencies.yaml. Sở Y tế's approved processes name one division only
# (Phòng Bảo trợ xã hội và Trẻ em), so every demo specialist and division head of Sở Y tế belongs to it.
DIVISION = "btxh-tre-em"
OTHER_DIVISION = "to-chuc-bo-may-cong-chuc-vien-chuc"  # Sở Nội vụ: Phòng Tổ chức bộ máy và Công chức, viên chức


@dataclass(frozen=True)
class DemoUser:
    id: str
    name: str
    role: str
    agency: str | None
    division: str | None = None


USERS = (
    DemoUser("motcua", "Nguyễn Thị Mai", "one_stop", AGENCY),
    DemoUser("chuyenvien", "Trần Văn Bình", "specialist", AGENCY, DIVISION),
    DemoUser("truongphong", "Lê Thị Hoa", "division_head", AGENCY, DIVISION),
    DemoUser("giamdoc", "Phạm Quốc Dũng", "director", AGENCY),
    DemoUser("vanthu", "Hoàng Thị Lan", "clerk", AGENCY),
    DemoUser("iso", "Vũ Minh Châu", "quality_officer", AGENCY),
    DemoUser("kiemsoat", "Đỗ Thu Trang", "analyst", AGENCY),
    DemoUser("quantri", "Ngô Văn Hải", "administrator", AGENCY),
    DemoUser("noivu", "Bùi Văn Nam", "specialist", OTHER_AGENCY, OTHER_DIVISION),
)

APPLICANTS = [
    {"name": "Nguyễn Văn An", "id_number": "004095001234", "phone": "0912345678", "address": "Phường Thục Phán, Cao Bằng"},
    {"name": "Hoàng Thị Bích", "id_number": "004188002345", "phone": "0987654321", "address": "Xã Hòa An, Cao Bằng"},
    {"name": "Công ty TNHH Đồng Tâm", "organisation": "Công ty TNHH Đồng Tâm", "phone": "02063851234",
     "address": "Phường Nùng Trí Cao, Cao Bằng"},
    {"name": "Lương Văn Cường", "id_number": "004090003456", "address": "Xã Trùng Khánh, Cao Bằng"},
    {"name": "Hợp tác xã Bảo Lạc", "organisation": "HTX Bảo Lạc", "address": "Xã Bảo Lạc, Cao Bằng"},
    {"name": "Nông Thị Dung", "id_number": "004191004567", "phone": "0901112233", "address": "Xã Quảng Hòa, Cao Bằng"},
    {"name": "Đàm Văn Em", "id_number": "004087005678", "address": "Phường Tân Giang, Cao Bằng"},
    {"name": "Chu Thị Giang", "id_number": "004193006789", "phone": "0977000111", "address": "Xã Hà Quảng, Cao Bằng"},
    {"name": "Cơ sở may Hồng Phát", "organisation": "Cơ sở may Hồng Phát", "address": "Xã Thạch An, Cao Bằng"},
    {"name": "La Văn Hùng", "id_number": "004089007890", "address": "Xã Nguyên Bình, Cao Bằng"},
    {"name": "Triệu Thị Hương", "id_number": "004195008901", "phone": "0966222333", "address": "Xã Bảo Lâm, Cao Bằng"},
    {"name": "Mã Văn Khánh", "id_number": "004086009012", "address": "Xã Hạ Lang, Cao Bằng"},
    {"name": "Dương Thị Lý", "id_number": "004192000123", "address": "Xã Thông Nông, Cao Bằng"},
    {"name": "Bế Văn Minh", "id_number": "004088001357", "address": "Phường Thục Phán, Cao Bằng"},
    {"name": "Hà Thị Ngọc", "id_number": "004194002468", "address": "Xã Phục Hòa, Cao Bằng"},
    {"name": "Sầm Văn Phúc", "id_number": "004091003579", "address": "Xã Quảng Uyên, Cao Bằng"},
]
DOCUMENTS = [
    {"id": "khac_1", "name": "Văn bản đề nghị công nhận", "originals": 1, "copies": 0},
    {"id": "khac_2", "name": "Danh sách lao động là người khuyết tật", "originals": 1, "copies": 0},
    {"id": "khac_3", "name": "Bản sao giấy chứng nhận đăng ký kinh doanh", "originals": 0, "copies": 1},
]

# (label, procedure, working days before now it was received, steps to complete, then what)
PLAN: list[tuple[str, str, int, int, str | None]] = [
    ("mới tiếp nhận", "1.001806", 0, 0, None),
    ("chờ phân công", "1.001806", 1, 1, None),
    ("đang thẩm định, đã nhận", "1.001806", 3, 2, "claim"),
    ("sắp đến hạn", "1.001806", 9, 2, None),
    ("quá hạn, chờ lãnh đạo phòng", "1.001806", 14, 3, None),
    ("chờ bổ sung", "1.001806", 4, 2, "supplement"),
    ("chờ lãnh đạo sở phê duyệt", "1.001806", 5, 4, None),
    ("chờ văn thư vào sổ", "1.001806", 6, 5, None),
    ("chờ trả kết quả", "1.001806", 7, 6, None),
    ("đã trả kết quả", "1.001806", 12, 6, "return"),
    ("từ chối sau thẩm định", "1.001806", 6, 2, "refuse"),
    ("đã xin lỗi, hẹn lại", "1.001806", 8, 2, "extend"),
    ("dừng giải quyết (rút hồ sơ)", "1.001806", 2, 1, "withdraw"),
    ("thủ tục khác, chờ thẩm định", "1.014010", 2, 2, None),
    ("thủ tục khác, quá hạn", "2.000025", 15, 1, None),
]


def _working_days_back(services: Services, now: datetime, days: int) -> datetime:
    """A moment at 08:15 ``days`` working days before ``now`` (now itself, less a little, for 0)."""
    cal = services.calendar
    if days == 0:
        return now - timedelta(minutes=45)
    local_day: date = now.astimezone(cal.tz).date()
    count = 0
    while count < days:
        local_day -= timedelta(days=1)
        if cal.is_working_day(local_day):
            count += 1
    return datetime.combine(local_day, time(8, 15), tzinfo=cal.tz)


def _seeded(services: Services) -> bool:
    with services.sessions() as session:
        return session.execute(select(AuditEvent.id).where(AuditEvent.actor == "motcua").limit(1)).first() is not None


def seed_accounts(services: Services) -> list[str]:
    """Create the demo accounts that do not exist yet; return the ids created.

    An existing demo account only gets its demo division back (a database seeded before
    divisions were modelled holds free text there, which matches no step's division).
    """
    created = []
    with services.sessions() as session:
        for u in USERS:
            user = session.get(User, u.id)
            if user is None:
                upsert_user(session, u.id, u.name, u.role, u.agency, PASSWORD, services.now(), u.division)
                created.append(u.id)
            elif user.agency_id == u.agency and user.division != u.division:
                user.division = u.division
        session.commit()
    return created


def seed(services: Services) -> str:
    """Idempotent demo data; returns a Vietnamese summary for the console."""
    created = seed_accounts(services)
    if _seeded(services):
        dossiers = "hồ sơ mẫu đã có, không tạo thêm"
    else:
        dossiers = f"{_seed_dossiers(services)} hồ sơ mẫu"
    lines = [f"Dữ liệu mẫu: {len(created)} tài khoản mới, {dossiers}.",
             f"Tài khoản mẫu (mật khẩu chung: {PASSWORD}):"]
    lines += [f"  {u.id:<12} {u.name} — {u.role} @ {u.agency}{f' / {u.division}' if u.division else ''}" for u in USERS]
    return "\n".join(lines)


def _seed_dossiers(services: Services) -> int:
    real_clock = services.clock
    real_now = real_clock.now()
    clock = FixedClock(real_now)
    services.clock = clock
    commands = Commands(services)
    actors = {u.role: Actor(u.id, u.role, u.agency, name=u.name, unit=u.division) for u in USERS if u.agency == AGENCY}
    desk = actors["one_stop"]
    driver = Driver(commands, actors, before_step=lambda _step: _tick(services, clock, real_now))
    count = 0
    try:
        for i, (_label, code, days_ago, steps, then) in enumerate(PLAN):
            start = _working_days_back(services, real_now, days_ago)
            clock.set(start)
            dossier = commands.receive(desk, code, APPLICANTS[i % len(APPLICANTS)], "direct", DOCUMENTS,
                                       note="Hồ sơ mẫu (demo)")
            count += 1
            driver.run(dossier, steps=steps)
            _tick(services, clock, real_now)
            if then == "claim":
                step = driver.next_step(dossier)
                if step is not None:
                    commands.claim(actors[step.role], step.task_id)
            elif then == "supplement":
                driver.take(dossier, outcome="request_supplement", checkpoints=(), note="Thiếu giấy tờ",
                            supplement_items=["Bản sao hợp đồng lao động của người khuyết tật",
                                              "Giấy xác nhận mức độ khuyết tật của người lao động"])
            elif then == "refuse":  # the specialist proposes, the route's leaders decide and sign
                driver.take(dossier, outcome="propose_refusal",
                            note="Cơ sở sử dụng dưới 30% tổng số lao động là người khuyết tật")
                driver.run(dossier, until="return")
            elif then == "extend":
                current = _dossier(services, dossier)
                assert current.due_at is not None
                new_due = services.calendar.add(current.due_at, 3, "working_days")
                commands.extend(actors["specialist"], dossier.code, new_due,
                                "Cần xác minh thêm thông tin với cơ quan bảo hiểm xã hội")
            elif then == "withdraw":
                commands.withdraw(desk, dossier.code, "Công dân đề nghị rút hồ sơ để bổ sung giấy tờ")
            elif then == "return":
                commands.return_result(desk, dossier.code, "Đã trả kết quả trực tiếp")
        # A dossier refused at intake (Mẫu 03) and one incomplete at the desk (Mẫu 02).

        clock.set(_working_days_back(services, real_now, 1))
        commands.refuse_intake(desk, "1.001806", APPLICANTS[-1], ["Hồ sơ không thuộc thẩm quyền giải quyết của Sở Y tế"])
        commands.request_supplement_at_intake(desk, "1.001806", APPLICANTS[-2],
                                     ["Văn bản đề nghị công nhận có chữ ký, đóng dấu"], "Hồ sơ chưa đầy đủ")
        count += 2
    finally:
        services.clock = real_clock
    return count


def _dossier(services: Services, dossier: Dossier) -> Dossier:
    with services.sessions() as session:
        row = session.get(Dossier, dossier.id)
        assert row is not None
        session.expunge(row)
        return row


def _tick(services: Services, clock: FixedClock, limit: datetime, minutes: int = 40) -> None:
    """Move the demo clock on by some working time, never past the real now."""
    moved = services.calendar.add_working_seconds(clock.now(), minutes * 60)
    clock.set(min(moved, limit - timedelta(minutes=1)) if moved > clock.now() else clock.now())

