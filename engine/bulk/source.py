"""Reading an export of another one-stop system: CSV or JSON lines, one dossier per record.

Columns (CSV header or JSON keys): ``code``, ``procedure`` (or ``procedure_code``), ``applicant``
(a name, or in JSON an object with ``name``, ``id_number``, ``phone``...), ``channel``,
``received``, ``due``, ``status``, ``resolved``, ``returned``, and when present ``steps``,
``variant``, ``result``, ``agency`` (the receiving agency), ``applicant_id``, ``applicant_phone``.

``steps`` lists the steps taken so far, in order: each a step id, ``[step, outcome]``,
``[step, outcome, at]`` or ``{"step", "outcome", "at", "by"}``; in CSV the same as JSON text.
Times are ISO 8601 (``2025-03-04T09:15:00+07:00``) or ``dd/mm/yyyy[ HH:MM[:SS]]``; a time
without an offset is the calendar's local time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, BinaryIO

ALIASES = {"procedure_code": "procedure", "received_at": "received", "due_at": "due", "resolved_at": "resolved",
           "returned_at": "returned", "receiving_agency": "agency"}
_LOCAL_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")


class RowProblem(ValueError):
    """A record that does not fit; its message (Vietnamese) says why."""


@dataclass(frozen=True)
class Record:
    line: int  # 1-based line of the file where the record starts
    values: dict[str, Any]

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if value is None else str(value).strip()


def records(path: Path, stream: BinaryIO, on_bytes: Any = None) -> Iterator[Record]:
    """The file's records, in order, with their line numbers. ``on_bytes(n)`` is told the bytes read so far."""
    # Bytes that are not UTF-8 become lone surrogates, which the importer's text check reports with their line.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            yield from _json_lines(text, on_bytes, stream)
        else:
            yield from _csv_rows(text, on_bytes, stream)
    finally:
        text.detach()  # the caller's stream stays open


def _json_lines(text: io.TextIOWrapper, on_bytes: Any, raw: BinaryIO) -> Iterator[Record]:
    for number, line in enumerate(text, start=1):
        if on_bytes is not None and number % 1000 == 0:
            on_bytes(raw.tell())
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(number, {"__error__": f"không phải JSON hợp lệ ({exc.msg}, cột {exc.colno})"})
            continue
        if not isinstance(value, dict):
            yield Record(number, {"__error__": "mỗi dòng phải là một đối tượng JSON {...}"})
            continue
        yield Record(number, {ALIASES.get(str(k), str(k)): v for k, v in value.items()})


def _csv_rows(text: io.TextIOWrapper, on_bytes: Any, raw: BinaryIO) -> Iterator[Record]:
    reader = csv.reader(text)
    header: list[str] | None = None
    count = 0
    for row in reader:
        count += 1
        if on_bytes is not None and count % 1000 == 0:
            on_bytes(raw.tell())
        if header is None:
            header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in row]
            continue
        if not any(cell.strip() for cell in row):
            continue
        line = reader.line_num  # the record's last line; a quoted cell may span lines
        if len(row) != len(header):
            yield Record(line, {"__error__": f"có {len(row)} cột, tiêu đề có {len(header)} cột"})
            continue
        yield Record(line, dict(zip(header, row, strict=True)))


def parse_time(value: Any, what: str, tz: tzinfo) -> datetime | None:
    """A moment from the file (None if empty); a time without an offset is local."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    moment: datetime | None = None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for fmt in _LOCAL_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise RowProblem(f"'{what}' không phải thời điểm hợp lệ: '{text}' (ISO 8601 hoặc dd/mm/yyyy HH:MM)")
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class TakenStep:
    step: str
    outcome: str | None
    at: datetime | None
    by: str | None


def parse_steps(value: Any, tz: tzinfo) -> list[TakenStep]:
    """The steps taken so far, in order (see the module's doc for the accepted shapes)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise RowProblem("'steps' phải là danh sách JSON, ví dụ [[\"intake\", \"done\"], [\"assign\", \"done\"]]") from None
    if not isinstance(value, list):
        raise RowProblem("'steps' phải là một danh sách các bước đã làm")
    out = []
    for index, item in enumerate(value, start=1):
        if isinstance(item, str):
            step, outcome, at, by = item, None, None, None
        elif isinstance(item, list) and 1 <= len(item) <= 3:
            step, outcome, at, by = item[0], (item[1] if len(item) > 1 else None), (item[2] if len(item) > 2 else None), None
        elif isinstance(item, dict) and item.get("step"):
            step, outcome, at, by = item["step"], item.get("outcome"), item.get("at"), item.get("by")
        else:
            raise RowProblem(f"bước thứ {index} trong 'steps' không đúng dạng (mã bước, [bước, kết quả, thời điểm] hoặc {{\"step\": ...}})")
        out.append(TakenStep(str(step), str(outcome) if outcome else None, parse_time(at, f"steps[{index}].at", tz),
                             str(by) if by else None))
    return out


__all__ = ["Record", "RowProblem", "TakenStep", "parse_steps", "parse_time", "records"]
