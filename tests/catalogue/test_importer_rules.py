"""The national-portal importer is faithful: one assertion per rule, over all 402 shared records."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.definitions import load_catalog
from engine.definitions.importers.dvcqg import convert, import_path
from engine.definitions.importers.dvcqg_values import VND_CURRENCY_IDS, processing_time
from engine.listing import list_item
from tests.data import portal_codes, portal_record
from tests.helpers import WORKFLOWS, run_cli

AGENCIES = {"province": "cb-ubnd-tinh", "commune": "cb-ubnd-xa", "central": "tw-bo-nganh"}


@pytest.fixture(scope="module")
def converted() -> dict[str, tuple[dict[str, Any], dict[str, Any], list[str]]]:
    """code -> (the portal data, the definition, unmapped)."""
    out = {}
    for code in portal_codes():
        record = portal_record(code)
        definition, unmapped = convert(record, AGENCIES)
        out[code] = (record["data"], definition, unmapped)
    return out


def _key(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True)


def _source_times(data: dict[str, Any]) -> set[str]:
    times = set()
    for method in data.get("executionMethods") or []:
        value, _ = processing_time(method.get("processingTime"), method.get("processingTimeUnit"), " ".join((method.get("description") or "").split()))
        if value is not None:
            times.add(_key(value))
    for case in data.get("cases") or []:
        day = case.get("processingDay") or {}
        value, _ = processing_time(day.get("qty"), day.get("type"), "")
        if value is not None:
            times.add(_key(value))
    return times


def _kept_times(definition: dict[str, Any]) -> set[str]:
    kept = {_key(g["deadline"]) for g in definition.get("deadlines", [])}
    if "deadline" in definition:
        kept.add(_key(definition["deadline"]))
    kept |= {_key(v) for v in definition.get("channel_times", {}).values()}
    kept |= {_key(v["deadline"]) for v in definition.get("variants", [])}
    return kept


def test_every_processing_time_is_kept_never_last_wins(converted):
    several = 0
    for code, (data, definition, _) in converted.items():
        given = _source_times(data)
        assert given <= _kept_times(definition), code
        if len(given) > 1:
            several += 1
            assert {_key(g["deadline"]) for g in definition["deadlines"]} == given, code
    assert several >= 27  # the issue counted 27 of 100; the shared records hold more


def test_cases_with_their_own_times_become_variants(converted):
    variants = 0
    for code, (data, definition, _) in converted.items():
        cases = [c for c in data.get("cases") or [] if (c.get("processingDay") or {}).get("qty")]
        times = {json.dumps(c["processingDay"], sort_keys=True) for c in cases}
        if len(cases) > 1 and len(times) > 1:
            variants += 1
            assert [v["name"] for v in definition["variants"]] == [" ".join(c["name"].split()) for c in cases], code
            assert "deadline" not in definition and "route" not in definition
        else:
            assert "variants" not in definition, code
    assert variants > 0


def test_a_single_case_time_that_differs_is_not_ignored(converted):
    seen = 0
    for code, (data, definition, unmapped) in converted.items():
        cases = [c for c in data.get("cases") or [] if (c.get("processingDay") or {}).get("qty")]
        if len(cases) != 1 or "variants" in definition:
            continue
        value, _ = processing_time(cases[0]["processingDay"]["qty"], cases[0]["processingDay"]["type"], "")
        if value is None or value == definition["deadline"] or value in definition.get("channel_times", {}).values():
            continue
        seen += 1
        assert "deadline" in definition["unconfirmed"], code
        assert any(g.get("case") and g["deadline"] == value for g in definition["deadlines"]), code
        assert any("khác thời hạn theo kênh" in u for u in unmapped), code
    assert seen > 0


def test_several_times_for_one_channel_are_unconfirmed(converted):
    seen = 0
    for code, (data, definition, unmapped) in converted.items():
        per_channel: dict[str, set[str]] = {}
        for method in data.get("executionMethods") or []:
            desc = " ".join((method.get("description") or "").split())
            value, _ = processing_time(method.get("processingTime"), method.get("processingTimeUnit"), desc)
            if value is not None:
                per_channel.setdefault(method["submissionMethod"], set()).add(_key(value))
        if any(len(v) > 1 for v in per_channel.values()) and "variants" not in definition:
            seen += 1
            assert "deadline" in definition["unconfirmed"] and any("thời hạn khác nhau" in u for u in unmapped), code
    assert seen > 0


_FREE_WORDS = re.compile(r"miễn|không thu|không mất|không phải nộp|không có", re.IGNORECASE)


def test_unknown_or_textual_fees_stay_unconfirmed_never_free(converted):
    unconfirmed_fees = 0
    for code, (data, definition, _) in converted.items():
        source = [f for m in data.get("executionMethods") or [] for f in m.get("fees") or []]
        free_in_source = any(
            f.get("value") in (0, "0") and f.get("currencyId") in VND_CURRENCY_IDS
            and (not (f.get("description") or "").strip() or _FREE_WORDS.search(f.get("description") or ""))
            for f in source
        )
        if any(fee.get("amount") == 0 for fee in definition["fees"]):
            assert free_in_source, code
        if any(fee.get("amount") is None for fee in definition["fees"]):
            unconfirmed_fees += 1
            assert "fees" in definition["unconfirmed"], code
            shown = list_item(definition, {}).fees  # what the public listing says
            shown = shown if isinstance(shown, str) else " | ".join(shown)
            assert "đang cập nhật" in shown and "không thu" not in shown, (code, shown)
    assert unconfirmed_fees > 100


def _groups(data: dict[str, Any], pattern: str) -> list[str]:
    return [" ".join(c["name"].split()).lstrip("-+•*· ").strip()
            for case in data.get("executionCases") or [] if re.search(pattern, case.get("name") or "", re.IGNORECASE)
            for c in case.get("profileComponents") or [] if (c.get("name") or "").strip()]


def test_notes_are_notes_not_documents(converted):
    seen = 0
    for code, (data, definition, _) in converted.items():
        for doc in definition.get("documents", []):
            assert not re.match(r"^lưu ý", doc["name"], re.IGNORECASE), (code, doc["name"])
        notes = _groups(data, r"lưu ý")
        if notes:
            seen += 1
            assert set(notes) <= set(definition["document_notes"]), code
    assert seen > 0


def test_documents_to_show_are_kept_as_such(converted):
    seen = 0
    for code, (data, definition, _) in converted.items():
        shown = _groups(data, r"xuất trình")
        docs = definition.get("documents", [])
        if shown:
            seen += 1
            assert {d["name"] for d in docs if d.get("show_only")} == set(shown), code
        handed = _groups(data, r"phải nộp")
        assert not any(d.get("show_only") for d in docs if d["name"] in set(handed) - set(shown)), code
    assert seen > 0


def test_a_15_hour_with_a_15_00_cut_off_is_a_cut_off(converted):
    _, khai_tu, _ = converted["2.000527"]
    assert khai_tu["deadline"]["working_days"] == 1 and "sau 15 giờ" in khai_tu["deadline"]["note"]
    _, plain, _ = converted["1.115563"]  # "15 HOUR" with no cut-off in its text stays 15 working hours
    assert plain["deadline"] == {"working_hours": 15}


def test_every_unmapped_part_is_listed_in_its_file_and_validate_dir_checks_them(tmp_path: Path, portal_details: Path):
    out = tmp_path / "nhap-tu-cong"  # not a folder named 'procedures'
    results = import_path(portal_details, AGENCIES, load_catalog(WORKFLOWS).context(), out)
    assert len(results) == 402 and [str(p) for r in results for p in r.errors] == []
    for result in results:
        assert result.target is not None
        text = result.target.read_text(encoding="utf-8")
        for item in result.unmapped:
            assert f"#   - {item}" in text, (result.code, item)
    done = run_cli("validate", "-q", str(out), cwd=WORKFLOWS.parent)
    assert done.returncode == 0, done.stdout[-2000:]
    assert done.stderr.startswith("402 thủ tục hợp lệ, 0 lỗi"), done.stderr
