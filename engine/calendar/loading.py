"""Reading ``workflows/calendar.yaml`` on the definitions' located loader.

A problem is reported as ``file:line:column: key: message`` in Vietnamese, like
a problem of a procedure definition (engine/definitions/source.py).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from ..definitions.source import Located, SourceError, load_located
from .config import CalendarError, CalendarOverride, parse_hhmm

T = TypeVar("T")

_CONFIG_KEYS = ("timezone", "office_hours", "counting", "intake_cutoff", "days_off", "working_days")
_ENTRY_KEYS = ("date", "name", "document")
_LISTS = (("days_off", "day_off"), ("working_days", "working_day"))
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_AS_WRITTEN = re.compile(r"\d{1,2}:\d{2}(?![\w:.])")
_DATE_LIKE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b")
_CTOR_LOC = re.compile(r"^(\w+)(?:\[(\d+)\])?")


def load_calendar(path: str | os.PathLike[str], factory: Callable[..., T]) -> T:
    """``factory(**settings)`` from the file at ``path``; a missing or empty file gives ``factory()``."""
    path = Path(path)
    if not path.exists():
        return factory()
    text, located = _read(path)
    if located is None:
        return factory()
    kwargs = _parse_config(located, text.splitlines())
    try:
        return factory(**kwargs)
    except CalendarError as exc:  # unknown zone, bad counting, overlapping periods…
        message = str(exc)
        raise _error(located, _constructor_loc(message), message, label=False) from None


def _read(path: Path) -> tuple[str, Located | None]:
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CalendarError(f"{display}:1:1: tệp không phải UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise CalendarError(f"{display}:1:1: không đọc được tệp: {exc.strerror}") from None
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return text, None  # only comments: the defaults
    try:
        return text, load_located(text, display)
    except SourceError as exc:
        raise CalendarError(str(exc.problem)) from None
    except ValueError:  # PyYAML reads 2026-02-30 as a date and fails: point at the first impossible one
        raise _bad_date(text, display) from None


def _bad_date(text: str, display: str) -> CalendarError:
    for number, line in enumerate(text.splitlines(), 1):
        for m in _DATE_LIKE.finditer(line.split("#", 1)[0]):
            try:
                date(*map(int, m.group().split("-")))
            except ValueError:
                return CalendarError(f"{display}:{number}:{m.start() + 1}: ngày không hợp lệ {m.group()!r} (không có ngày này)")
    return CalendarError(f"{display}:1:1: YAML không hợp lệ: ngày không hợp lệ")


def _name(loc: tuple[Any, ...]) -> str:
    """``days_off[0].date`` for the path ("days_off", 0, "date")."""
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(loc))


def _error(located: Located, loc: tuple[Any, ...], message: str, label: bool = True, key: bool = False) -> CalendarError:
    """A CalendarError ``file:line:col: <entry>: <message>`` for the value (or key) at ``loc``."""
    name = _name(loc)
    return CalendarError(str(located.problem(loc, f"{name + ': ' if name and label else ''}{message}", key=key)))


def _as_written(located: Located, lines: list[str], loc: tuple[Any, ...], value: Any) -> Any:
    """YAML 1.1 reads an unquoted 13:00 as the number 780: take such a time back as it is written."""
    if isinstance(value, int) and not isinstance(value, bool) and loc in located.marks:
        line, column = located.marks[loc]
        m = _TIME_AS_WRITTEN.match(lines[line - 1], column - 1) if line <= len(lines) else None
        if m:
            return m.group()
    return value


def _parse_config(located: Located, lines: list[str]) -> dict[str, Any]:
    """Validate the loaded YAML and turn it into WorkingCalendar keyword arguments."""

    def fail(loc: tuple[Any, ...], message: str, *, key: bool = False) -> CalendarError:
        return _error(located, loc, message, key=key)

    data = located.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail((), f"cấp ngoài cùng phải là một bảng (mapping) gồm các khóa {', '.join(_CONFIG_KEYS)}")
    unknown = [k for k in data if k not in _CONFIG_KEYS]
    if unknown:
        raise fail((unknown[0],), f"khóa không được hỗ trợ {unknown[0]!r}; hợp lệ: {', '.join(_CONFIG_KEYS)}", key=True)

    kwargs: dict[str, Any] = {}
    for key in ("timezone", "counting", "intake_cutoff"):
        if data.get(key) is not None:
            kwargs[key] = _as_written(located, lines, (key,), data[key])
    if data.get("office_hours") is not None:
        hours = data["office_hours"]
        if not isinstance(hours, list):
            raise fail(("office_hours",), f'cần danh sách các khoảng ["HH:MM", "HH:MM"], nhận {hours!r}')
        periods = []
        for i, period in enumerate(hours):
            if not isinstance(period, list) or len(period) != 2:
                raise fail(("office_hours", i), f'cần ["HH:MM", "HH:MM"], nhận {period!r}')
            period = [_as_written(located, lines, ("office_hours", i, j), v) for j, v in enumerate(period)]
            for j, value in enumerate(period):
                try:
                    parse_hhmm(value, "giờ")
                except CalendarError as exc:
                    raise fail(("office_hours", i, j), str(exc).removeprefix("giờ: ")) from None
            periods.append(tuple(period))
        kwargs["office_hours"] = periods

    overrides: list[CalendarOverride] = []
    seen: dict[date, tuple[Any, ...]] = {}
    for key, kind in _LISTS:
        entries = data.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise fail((key,), f"cần danh sách các mục {{date, name, document}}, nhận {entries!r}")
        for i, entry in enumerate(entries):
            loc = (key, i)
            if not isinstance(entry, dict):
                raise fail(loc, f"cần một bảng (mapping) gồm date, name, document; nhận {entry!r}")
            extra = [k for k in entry if k not in _ENTRY_KEYS]
            if extra:
                raise fail((*loc, extra[0]), f"khóa không được hỗ trợ {extra[0]!r}; hợp lệ: {', '.join(_ENTRY_KEYS)}", key=True)
            for field in _ENTRY_KEYS:
                value = entry.get(field)
                if value is None or (isinstance(value, str) and not value.strip()):
                    why = " (văn bản công bố)" if field == "document" else ""
                    raise fail(loc, f"thiếu {field!r}{why}: trường bắt buộc")
                if not isinstance(value, str):
                    raise fail((*loc, field), f"cần văn bản (chuỗi), nhận {value!r}")
            raw_date = entry["date"].strip()
            if not _ISO_DATE.match(raw_date):
                raise fail((*loc, "date"), f"cần ngày dạng YYYY-MM-DD, nhận {raw_date!r}")
            try:
                day = date.fromisoformat(raw_date)
            except ValueError:
                raise fail((*loc, "date"), f"ngày không hợp lệ {raw_date!r} (không có ngày này)") from None
            if day in seen:
                first_key, first_i = seen[day]
                raise fail((*loc, "date"), f"ngày {day} đã có trong {first_key}[{first_i}]")
            seen[day] = loc
            overrides.append(
                CalendarOverride(date=day, kind=kind, name=entry["name"].strip(), document=entry["document"].strip())
            )
    kwargs["overrides"] = overrides
    return kwargs


def _constructor_loc(message: str) -> tuple[Any, ...]:
    """Where in the YAML a constructor error message ("office_hours[1]: ...") points."""
    m = _CTOR_LOC.match(message)
    if not m or m.group(1) not in _CONFIG_KEYS:
        return ()
    return (m.group(1),) if m.group(2) is None else (m.group(1), int(m.group(2)))
