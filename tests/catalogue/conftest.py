"""Fixtures for the catalogue tests: a small workflows/ tree of our own and a fresh database per test.

The tree holds one real procedure (1.001806, Cao Bằng 2022/QĐ-UBND) and decisions
that take it through its life: published under the former labour department,
transferred to Sở Y tế, published with its approved process, amended, abolished.
Each test gets a new database (SQLite file, or a PostgreSQL schema of its own).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine

import handlers  # noqa: F401  (registers outbox handlers)
from engine import Actor, FixedClock, Services, Settings, WorkingCalendar
from engine.storage.db import make_engine, migrate, scratch_database, session_factory
from tests.data import portal_details  # noqa: F401  (fixture: the portal records as files)
from tests.helpers import BACKENDS, PG_URL, WORKFLOWS, local

AGENCIES = """agencies:
  - {id: cb-so-ldtbxh, name: Sở Lao động - Thương binh và Xã hội tỉnh Cao Bằng, level: province, eid: CB.SLDTBXH}
  - {id: cb-so-y-te, name: Sở Y tế tỉnh Cao Bằng, level: province, eid: CB.SYT,
     divisions: [{id: btxh-tre-em, name: Phòng Bảo trợ xã hội và Trẻ em}]}
  - {id: cb-so-noi-vu, name: Sở Nội vụ tỉnh Cao Bằng, level: province, eid: CB.SNV}
  - {id: cb-ubnd-xa, name: UBND cấp xã tỉnh Cao Bằng, level: commune, eid: CB.XA}
"""

BASELINE = """number: null
title: Danh mục thủ tục của Sở Lao động - Thương binh và Xã hội (trước năm 2025)
issuer: Chủ tịch UBND tỉnh Cao Bằng
signed: null
effective: null
note: Văn bản công bố trước năm 2025 không có trong dữ liệu.
operations:
  - {op: publish, codes: ["1.001806"], baseline: {agency: cb-so-ldtbxh}}
"""

TRANSFER = """number: null
title: Hợp nhất Sở Lao động - Thương binh và Xã hội vào Sở Nội vụ; bảo trợ xã hội chuyển Sở Y tế
issuer: Chủ tịch UBND tỉnh Cao Bằng
signed: null
effective: 2025-03-01
legal_basis: [Nghị định 25/2025/NĐ-CP]
operations:
  - {op: transfer, from: cb-so-ldtbxh, to: cb-so-y-te, fields: [bao-tro-xa-hoi]}
"""

PUBLISH = """number: 2022/QĐ-UBND
title: Phê duyệt quy trình nội bộ giải quyết thủ tục hành chính lĩnh vực Bảo trợ xã hội
issuer: Chủ tịch UBND tỉnh Cao Bằng
signed: 2025-11-27
effective: 2025-11-27
operations:
  - {op: publish, codes: ["1.001806"]}
"""

AMEND = """number: 9001/QĐ-UBND
title: Quyết định thử nghiệm sửa đổi thời hạn (không phải văn bản thật)
issuer: Chủ tịch UBND tỉnh Cao Bằng
signed: 2026-03-02
effective: 2026-03-10
operations:
  - {op: amend, code: "1.001806", file: decisions/9001/1.001806.yaml}
"""

ABOLISH = """number: 9002/QĐ-UBND
title: Quyết định thử nghiệm bãi bỏ (không phải văn bản thật)
issuer: Chủ tịch UBND tỉnh Cao Bằng
signed: 2026-05-20
effective: 2026-06-01
operations:
  - {op: abolish, codes: ["1.001806"]}
"""


def make_tree(root: Path) -> Path:
    """A workflows/ tree for the lifecycle of 1.001806; decisions are added by the tests."""
    (root / "procedures" / "bao-tro-xa-hoi").mkdir(parents=True)
    (root / "decisions" / "9001").mkdir(parents=True)
    (root / "bpmn").mkdir()
    shutil.copy(WORKFLOWS / "calendar.yaml", root / "calendar.yaml")
    (root / "agencies.yaml").write_text(AGENCIES, encoding="utf-8")
    source = WORKFLOWS / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml"
    shutil.copy(source, root / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["deadline"] = {"working_days": 9}
    for step in data["route"]:
        if step["id"] == "appraise":
            step["allowance"] = {"working_days": 6}
    data["published_by"] = {"decision": "9001/QĐ-UBND", "date": "2026-03-10", "issuer": "Chủ tịch UBND tỉnh Cao Bằng"}
    (root / "decisions" / "9001" / "1.001806.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return root


def write_decision(root: Path, name: str, text_: str) -> Path:
    path = root / "decisions" / f"{name}.yaml"
    path.write_text(text_, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "workflows")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated database (no procedures loaded)."""
    with scratch_database(request.param, PG_URL, tmp_path, "motcua_cat") as url:
        engine = make_engine(url)
        migrate(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(local(2025, 1, 6, 8, 0))


@pytest.fixture
def services(db: Engine, clock: FixedClock, tree: Path) -> Services:
    calendar = WorkingCalendar.from_yaml(tree / "calendar.yaml")
    return Services(session_factory(db), calendar, clock, Settings(allow_unconfirmed=True))


ANALYST = Actor("analyst1", "analyst", None, name="Cán bộ kiểm soát TTHC")
DESK = Actor("desk1", "one_stop", None, name="Cán bộ một cửa")
