"""The real records the tests check against, and the only code that reads them (sources: README.md here).

Everything is inside the repository: a clone alone runs the suite. Tests never
read ``../shared``; the one exception is the check that ``tools/build_catalogue.py``
still reproduces the committed catalogue from the maintainer's data, which needs
that data and skips without it (:func:`maintainer_data`).
"""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
PORTAL_RECORDS = HERE / "dvcqg_details.jsonl.gz"
INTERNAL_PROCESSES = HERE / "internal_processes"
BPMN_SAMPLES = HERE / "bpmn_samples"
NATIONAL_CATALOGUE = HERE / "national_catalogue_labour_2026-07-18.csv"
PROVINCES = HERE / "dvcqg_provinces.json"
# Transcribed approved processes of other agencies' own fields (Cao Bằng 2028/QĐ-UBND: civil servants,
# youth, archives): not in the catalogue (workflows/), loaded by the test database for the engine's tests.
OTHER_FIELDS = HERE / "other_fields"


@cache
def _portal_records() -> dict[str, dict[str, Any]]:
    with gzip.open(PORTAL_RECORDS, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    return {record["data"]["code"]: record for record in records}


def portal_codes() -> list[str]:
    """Codes of the national portal's procedure-detail records (402), in order."""
    return sorted(_portal_records())


def portal_record(code: str) -> dict[str, Any]:
    """One record as the portal's procedure-detail API returned it (``{"code", "data", "message"}``); a copy."""
    return copy.deepcopy(_portal_records()[code])


def write_portal_records(directory: Path, codes: Iterable[str] | None = None) -> Path:
    """Write records as the portal dump holds them, one ``<code>.json`` each, into ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    records = _portal_records()
    for code in sorted(records) if codes is None else codes:
        (directory / f"{code}.json").write_text(json.dumps(records[code], ensure_ascii=False), encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def portal_details(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of every portal record, one ``<code>.json`` each (what ``motcua import dvcqg DIR`` reads)."""
    return write_portal_records(tmp_path_factory.mktemp("dvcqg") / "details")


@cache
def _approved_documents() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8")) for path in sorted(INTERNAL_PROCESSES.glob("*.json")))


def approved_processes(decision: str | None = None) -> dict[str, dict[str, Any]]:
    """The approved internal processes of Cao Bằng (decisions 2022/QĐ-UBND, 2028/QĐ-UBND, or only ``decision``):
    code → process (a copy)."""
    return {p["ma_tthc"]: copy.deepcopy(p) for doc in _approved_documents() for p in doc["procedures"]
            if decision is None or decision in doc["source"]["document"]}


@cache
def national_catalogue() -> dict[str, dict[str, str]]:
    """The national catalogue of 18/7/2026, its rows of the labour-sector fields: code → {code, name, category, promulgated_by}."""
    import csv

    with NATIONAL_CATALOGUE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


@cache
def province_names() -> tuple[str, ...]:
    """The 34 provincial units (Resolution 202/2025/QH15) by name without "Tỉnh"/"Thành phố": "Cao Bằng", "Hà Nội"…"""
    rows = json.loads(PROVINCES.read_text(encoding="utf-8"))["data"]["rows"]
    return tuple(sorted(row["name"].removeprefix("Tỉnh ").removeprefix("Thành phố ") for row in rows))


def bpmn_samples() -> Iterator[Path]:
    """The modeller exports of the BPMN MIWG test models (CC BY 3.0, attribution in bpmn_samples/README.md)."""
    return iter(sorted(BPMN_SAMPLES.glob("*.bpmn")))


def maintainer_data() -> Path:
    """``../shared/data`` beside the checkout, which only the maintainer's tools read; skip the test without it."""
    path = HERE.parents[2] / "shared" / "data"
    if not path.is_dir():
        pytest.skip("../shared/data (maintainer's data for tools/) is not beside the checkout")
    return path


__all__ = ["approved_processes", "bpmn_samples", "maintainer_data", "portal_codes", "portal_details",
           "portal_record", "write_portal_records"]
