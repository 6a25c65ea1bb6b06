"""The real catalogue: procedures that validate, their decisions, and the confirmed totals against their source.

The rule that chooses the catalogue is asserted in test_catalogue_rule.py."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal

import pytest

from engine.decisions import catalogue_index, replay
from engine.decisions import schema_json as decision_schema_json
from engine.definitions import load_catalog
from engine.definitions.model import Duration
from tests.data import (
    approved_processes,
    bpmn_samples,
    maintainer_data,
    portal_codes,
    portal_record,
)
from tests.helpers import ROOT, WORKFLOWS


@pytest.fixture(scope="module")
def timeline():  # type: ignore[no-untyped-def]
    return replay(WORKFLOWS, strict=True)


def source_total(text: str | None) -> Duration | None:
    """'10 ngày làm việc' → 10 working days; '190 ngày' → 190 calendar days; '' → None."""
    match = re.match(r"^\s*(\d+(?:,\d+)?)\s+ngày(\s+làm việc)?\s*$", text or "")
    if not match:
        return None
    amount = Decimal(match.group(1).replace(",", "."))
    return Duration(amount, "working_days" if match.group(2) else "calendar_days")


def test_catalogue_validates_fast() -> None:
    started = time.process_time()  # CPU time: the suite may share the machine with others
    catalog = load_catalog(WORKFLOWS)
    elapsed = time.process_time() - started
    assert not catalog.errors, "\n".join(map(str, catalog.errors))
    assert elapsed < 2.0
    # Every approved process of 2022/QĐ-UBND (Sở Y tế Cao Bằng: fields of the former labour department) is transcribed.
    assert len(approved_processes("2022/QĐ-UBND")) == 18
    assert set(approved_processes("2022/QĐ-UBND")) <= set(catalog.procedures)
    # 2028/QĐ-UBND (Sở Nội vụ) is civil servants, youth, archives, and one labour procedure Nghệ An's list also holds.
    assert not (set(approved_processes("2028/QĐ-UBND")) - {"1.014319"}) & set(catalog.procedures)
    for procedure in catalog.procedures.values():
        assert procedure.name and procedure.field and procedure.level and procedure.agency in catalog.agencies
        assert re.fullmatch(r"\d\.\d{6}", procedure.code)


def test_every_procedure_is_published_by_a_decision(timeline) -> None:  # type: ignore[no-untyped-def]
    assert not timeline.errors, "\n".join(map(str, timeline.errors))
    unpublished = [p for p in timeline.problems if "chưa có quyết định" in p.message]
    assert unpublished == []
    published = set(timeline.entries)
    assert published == set(timeline.catalog.procedures)
    latest = {e.code for e in timeline.at(None)} | {e.code for e in timeline.abolished_at(None)}
    assert latest == published


def test_catalogue_before_and_after_the_2025_restructuring(timeline) -> None:  # type: ignore[no-untyped-def]
    before = timeline.at(date(2024, 6, 30))
    after = timeline.at(date(2026, 1, 1))
    assert before and len(after) > len(before)
    before_agencies = {e.agency for e in before}
    after_agencies = {e.agency for e in after}
    assert {"cb-so-ldtbxh", "na-so-ldtbxh"} <= before_agencies
    assert not before_agencies & {"cb-so-noi-vu", "cb-so-y-te", "na-so-noi-vu", "na-so-gd-dt"}
    assert not after_agencies & {"cb-so-ldtbxh", "na-so-ldtbxh", "cb-ubnd-huyen", "na-ubnd-huyen"}
    assert {"cb-so-y-te", "na-so-noi-vu", "na-so-gd-dt"} <= after_agencies
    # A procedure of the former department, moved by the transfer of 1/3/2025 and published again by 2022/QĐ-UBND.
    history = [(e.decision.id, e.agency, e.confirmed) for e in timeline.entries["1.001806"]]
    assert history[0][1:] == ("cb-so-ldtbxh", False)
    assert history[1][:2] == ("2025-03-01-cao-bang-hop-nhat-so-ldtbxh", "cb-so-y-te")
    assert history[-1][1:] == ("cb-so-y-te", True)
    # Everything before 2025 is unconfirmed: the data has no instrument of that time.
    assert all(not e.confirmed for e in before)


def test_confirmed_totals_match_their_source(timeline) -> None:  # type: ignore[no-untyped-def]
    procedures = timeline.catalog.procedures
    checked = 0
    for code, source in approved_processes().items():
        procedure = procedures.get(code)
        expected = source_total(source.get("tong_thoi_gian"))
        if procedure is None or expected is None or "deadline" in procedure.unconfirmed:
            continue
        assert (procedure.deadline.amount, procedure.deadline.unit) == (expected.amount, expected.unit), code
        checked += 1
    assert checked >= 15
    record = portal_record("2.001955")["data"]
    labour = procedures["2.001955"]
    times = {m["processingTime"] for m in record["executionMethods"]}
    assert times == {7} and labour.deadline.label() == "7 ngày làm việc"
    assert [d["name"] for d in labour.documents] == [c["name"].lstrip("- ").strip() for c in record["executionCases"][0]["profileComponents"]]
    assert labour.published_by == {"decision": "628/QĐ-BNV", "date": "2025-06-20", "issuer": "Bộ Nội vụ"}
    assert labour.online_mode == "full" and labour.agency == "na-so-noi-vu"


def test_catalogue_index_is_current(timeline) -> None:  # type: ignore[no-untyped-def]
    """What the generator writes last, checked without its sources: the index and the decision schema."""
    assert (WORKFLOWS / "CATALOGUE.md").read_text(encoding="utf-8") == catalogue_index(timeline), \
        "run tools/build_catalogue.py"
    assert (WORKFLOWS / "schema" / "decision.schema.json").read_text(encoding="utf-8") == decision_schema_json()


def test_generated_catalogue_is_reproducible() -> None:
    """The maintainer's check: the generator rebuilds the committed files from ../shared/data (skipped without it)."""
    maintainer_data()
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "build_catalogue.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_test_data_is_complete_and_attributed() -> None:
    """tests/data/ holds every record the tests compare against, and the BPMN exports keep their attribution."""
    assert len(portal_codes()) == 402 and "2.001955" in portal_codes()
    assert len(approved_processes()) == 29  # 18 of 2022/QĐ-UBND, 11 of 2028/QĐ-UBND
    samples = list(bpmn_samples())
    assert len(samples) == 14
    attribution = (samples[0].parent / "README.md").read_text(encoding="utf-8")
    assert "CC BY 3.0" in attribution and "bpmn-miwg-test-suite" in attribution


def test_test_data_matches_the_maintainer_data() -> None:
    """The maintainer's check: tests/data/ is what tools/vendor_test_data.py copies from ../shared/data (skipped without it)."""
    maintainer_data()
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "vendor_test_data.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
