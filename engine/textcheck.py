"""Text that a database can keep: one check for every way in (issue 12, "input at the edge").

SQLite stores a lone surrogate (``"Tr\\ud800n"``) as bytes that no page can read back as UTF-8,
and PostgreSQL refuses a NUL in text: either way a command that carries such text fails
after it has begun, or worse, succeeds and breaks every page that shows the row. So every
string is checked before a command runs (``Commands.handle``), before the importer plans a
row, before a definition is loaded, and in the REST and web layers before a query runs.

Refused: a lone surrogate (not Unicode), NUL, the other C0 control characters and DEL.
Free text (notes, reasons, addresses: :data:`FREE_TEXT`) may hold tab and line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from .errors import BadInput

# Field names whose text may span lines (a textarea): tab, LF and CR are allowed there.
FREE_TEXT = frozenset({
    "note", "reason", "reasons", "items", "supplement_items", "supplement_exception", "address", "message",
    "description", "comment", "text", "body", "missing",
    "cause", "correction", "corrective_action", "verification", "bpmn_xml", "yaml", "content",  # quality, analyst
})
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_CONTROL_FREE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_DEPTH = 32  # nesting of a command's values; deeper is refused here (the JSON depth limit is the web's)


class InvalidText(BadInput):
    """A string no database keeps as sent. 400: the request itself is malformed, nothing was tried."""

    code = "invalid_text"
    http_status = 400


def problem(text: str, free: bool = False) -> str | None:
    """What is wrong with ``text`` (Vietnamese), or None."""
    if _SURROGATE.search(text):
        return "chứa ký tự Unicode không hợp lệ (surrogate đơn lẻ)"
    found = (_CONTROL_FREE if free else _CONTROL).search(text)
    if found:
        char = found.group()
        name = "NUL" if char == "\x00" else f"U+{ord(char):04X}"
        return f"chứa ký tự điều khiển {name}"
    return None


def check(value: Any, field: str = "", free: bool | None = None, _depth: int = 0) -> None:
    """Raise :class:`InvalidText` naming the first bad string inside ``value`` (keys included).

    ``field`` is the path shown to the user (``applicant.name``, ``reasons[2]``); whether text may
    hold line breaks is decided by the last field name (:data:`FREE_TEXT`) unless ``free`` is given.
    """
    if _depth > MAX_DEPTH:
        raise InvalidText(f"Dữ liệu lồng quá sâu tại '{field}'.", field=field)
    if isinstance(value, str):
        leaf = field.rsplit(".", 1)[-1].split("[", 1)[0]
        wrong = problem(value, leaf in FREE_TEXT if free is None else free)
        if wrong:
            where = field or "dữ liệu"
            raise InvalidText(f"Trường '{where}' {wrong}; không có gì được ghi.", field=where)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            if isinstance(key, str):
                check(key, f"{field or 'dữ liệu'} (tên trường)", False, _depth + 1)
            check(item, name, None, _depth + 1)  # a field's own name says whether it is free text
        return
    if is_dataclass(value) and not isinstance(value, type):
        for f in fields(value):
            check(getattr(value, f.name), f"{field}.{f.name}" if field else f.name, None, _depth + 1)
        return
    if isinstance(value, (list, tuple, set, frozenset)):
        leaf = field.rsplit(".", 1)[-1]
        items_free = leaf in FREE_TEXT if free is None else free
        for index, item in enumerate(value if not isinstance(value, (set, frozenset)) else sorted(value, key=repr)):
            check(item, f"{field}[{index}]" if field else f"[{index}]", items_free if isinstance(item, str) else None,
                  _depth + 1)


def first_problem(values: Iterable[tuple[str, Any]]) -> InvalidText | None:
    """The first bad string among ``(field, value)`` pairs, as an error (not raised), or None."""
    for name, value in values:
        try:
            check(value, name)
        except InvalidText as exc:
            return exc
    return None


__all__ = ["FREE_TEXT", "InvalidText", "check", "first_problem", "problem"]
