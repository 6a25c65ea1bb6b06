"""The national portal's values read one by one: text, numbers, durations, fees, documents.

Each reader returns what the definition schema can hold and says in words what
it cannot (``unmapped``): nothing is dropped silently. :mod:`.dvcqg` puts them
together into a definition.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ...text import fold

CHANNELS = {"DIRECT": "direct", "POSTAL": "postal", "ONLINE": "online"}
FEE_TYPES = {"FEE": "Lệ phí", "SERVICE_FEE": "Phí", "PRICE_LEVEL": "Giá dịch vụ"}
VND_CURRENCY_IDS = {"019b3fb2-b5b8-70ac-85e2-9409ec1eaffa"}
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*$")


def slug(text: str) -> str:
    """'Đất đai' -> 'dat-dai' (the field folder name)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "khac"


def clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def doc_name(text: str | None) -> str:
    return clean(text).lstrip("-+•*· ").strip()


def short(text: Any, limit: int = 160) -> str:
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str) and (match := _NUMBER.match(value)):
        try:
            return Decimal(match.group(1).replace(",", "."))
        except InvalidOperation:
            return None
    return None


def plain_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def duration(amount: Any, unit: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """A schema duration from the portal's processingTime/unit, or why it cannot be one."""
    number = to_number(amount)
    if number is None or number <= 0:
        return None, f"thời hạn '{short(amount, 80)}' ({unit}) không phải số dương"
    if unit == "WORKING_DAY":
        return {"working_days": plain_number(number)}, None
    if unit == "HOUR":
        return {"working_hours": plain_number(number)}, None
    if unit == "DAY":
        if number != number.to_integral_value():
            return None, f"thời hạn {number} ngày (DAY) không phải số nguyên ngày"
        return {"calendar_days": int(number)}, None
    return None, f"thời hạn {short(amount, 80)} đơn vị {unit} không có đơn vị tương ứng (ngày làm việc, giờ làm việc, ngày)"


_CUT_OFF = re.compile(r"(?:sau|trước|quá)\s+(\d{1,2})\s*(?:giờ|h)\b", re.IGNORECASE)


def processing_time(amount: Any, unit: str | None, description: str) -> tuple[dict[str, Any] | None, str | None]:
    """Like :func:`duration`, reading the text too: "15 HOUR" whose text says "nhận hồ sơ sau 15 giờ … trả kết quả
    trong ngày làm việc tiếp theo" is a 15:00 cut-off (result the same or the next working day), not 15 working hours.

    Returns (duration, a note on how it was read) or (None, why it cannot be read).
    """
    value, reason = duration(amount, unit)
    if value is None or unit != "HOUR":
        return value, reason
    cut_off = _CUT_OFF.search(description)
    if cut_off and to_number(amount) == Decimal(cut_off.group(1)):
        return (
            {"working_days": 1, "note": f"Trong ngày; hồ sơ nhận sau {cut_off.group(1)} giờ trả trong ngày làm việc tiếp theo"},
            f"'{amount} HOUR' là giờ chốt nhận hồ sơ ({cut_off.group(1)}:00) ghi trong mô tả, không phải {amount} giờ làm việc: "
            "thời hạn tối đa 1 ngày làm việc",
        )
    return value, f"ghi {amount} giờ (HOUR): hiểu là giờ làm việc"


def label_duration(value: dict[str, Any]) -> str:
    unit = next(k for k in value if k != "note")
    names = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "calendar_days": "ngày"}
    return f"{value[unit]} {names[unit]}"


def comparable(value: dict[str, Any]) -> tuple[int, Decimal]:
    unit = next(k for k in value if k != "note")
    amount = Decimal(str(value[unit]))
    if unit == "working_days":
        return 0, amount * 8
    if unit == "working_hours":
        return 0, amount
    return 1, amount


# A fee of 0 is "không thu" only when the text says so or says nothing; "theo quy định…", "do HĐND quyết định",
# "chi tiết tại biểu phí" with 0 means the amount is elsewhere: unconfirmed.
_FREE = re.compile(r"miễn|không thu|không mất|không phải nộp|không có", re.IGNORECASE)


def read_fees(by_channel: dict[str, list[dict[str, Any]]], unmapped: list[str]) -> list[dict[str, Any]]:
    mapped: dict[str, list[dict[str, Any]]] = {}
    for channel, fees in by_channel.items():
        items = []
        for fee in fees:
            kind = FEE_TYPES.get(str(fee.get("type")), fee.get("type") or "Phí")
            description = clean(fee.get("description"))
            name = short(description, 300) or kind
            item: dict[str, Any] = {"name": name}
            value = to_number(fee.get("value"))
            currency = fee.get("currencyId") or ""
            currency_name = fee.get("currencyName") or ""
            vnd = currency in VND_CURRENCY_IDS
            if value is None:
                item["amount"] = None
                unmapped.append(f"phí kênh {channel} '{short(name, 60)}': số tiền '{fee.get('value')}' không đọc được (đang cập nhật)")
            elif value == 0 and vnd and (not description or _FREE.search(description)):
                item["amount"] = 0
                item["currency"] = "VND"
            elif value == 0:
                item["amount"] = None
                why = "không có đơn vị tiền tệ" if not vnd else "mô tả dẫn tới quy định khác"
                item["note"] = f"nguồn ghi 0 ({why}): mức phí đang cập nhật"
                unmapped.append(f"phí kênh {channel} '{short(name, 60)}': nguồn ghi 0, {why}; không coi là miễn phí (đang cập nhật)")
            elif vnd:
                item["amount"] = plain_number(value)
                item["currency"] = "VND"
            else:
                item["amount"] = None
                unit = currency_name or "không rõ đơn vị tiền tệ"
                item["note"] = f"{plain_number(value)} {unit}"
                unmapped.append(f"phí kênh {channel} '{short(name, 60)}': {plain_number(value)} {unit} (chỉ ghi được số tiền VND)")
            if kind != name:
                item["note"] = f"{kind}; {item['note']}" if "note" in item else kind
            if fee.get("attachment"):
                unmapped.append(f"phí kênh {channel} '{short(name, 60)}': tệp đính kèm biểu phí")
            items.append(item)
        mapped[channel] = items
    if not mapped:
        return []
    lists = list(mapped.values())
    if all(lst == lists[0] for lst in lists):
        return lists[0]
    out = []
    for channel, items in mapped.items():
        out += [item | {"channel": channel} for item in items]
    return out


_NOTE = re.compile(r"^[\s*+\-•]*lưu ý\b", re.IGNORECASE)
_SHOW = re.compile(r"xuất trình", re.IGNORECASE)
_HAND_IN = re.compile(r"^[\s*+\-•]*(giấy tờ|thành phần hồ sơ)[^:]*phải nộp\s*:?\s*$", re.IGNORECASE)


def read_documents(data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(documents, notes, unmapped). The portal's groups of components are read by their heading:
    "* Giấy tờ phải nộp" (hand in), "* Giấy tờ phải xuất trình" (only shown: ``show_only``), "* Lưu ý" (notes,
    not documents); any other heading is a case of the procedure. A component named "Lưu ý…" is a note too."""
    unmapped: list[str] = []
    notes: list[str] = []
    groups: list[tuple[str, str, list[dict[str, Any]]]] = []  # (kind, case name, components)
    for case in data.get("executionCases") or []:
        components = case.get("profileComponents") or []
        heading = clean(case.get("name"))
        if not components:
            continue
        if _NOTE.match(heading):
            notes += [doc_name(c.get("name")) for c in components if doc_name(c.get("name"))]
        elif _SHOW.search(heading):
            groups.append(("show", "", components))
        elif not heading or _HAND_IN.match(heading):
            groups.append(("hand_in", "", components))
        else:
            groups.append(("case", heading, components))
    if data.get("profileComponents"):
        groups.append(("hand_in", "", data["profileComponents"]))
    documents: list[dict[str, Any]] = []
    many = len(groups) > 1
    for g, (kind, case_name, components) in enumerate(groups, start=1):
        for i, component in enumerate(components, start=1):
            name = doc_name(component.get("name"))
            if not name:
                unmapped.append(f"giấy tờ không tên trong nhóm {g}")
                continue
            if _NOTE.match(clean(component.get("name"))):
                notes.append(name)
                continue
            doc: dict[str, Any] = {"id": f"c{g}_d{i:02d}" if many else f"d{i:02d}", "name": name}
            originals, copies = to_number(component.get("originalQty")), to_number(component.get("copyQty"))
            if originals is not None:
                doc["originals"] = int(originals)
            if copies is not None:
                doc["copies"] = int(copies)
            doc["required"] = bool(component.get("required"))
            if kind == "show":
                doc["show_only"] = True
            doc_notes = []
            if kind == "case":
                doc_notes.append(f"Trường hợp: {case_name}")
            if component.get("isProcessingResult"):
                doc_notes.append("là kết quả giải quyết của thủ tục khác")
            if component.get("hasElectronicForm"):
                doc_notes.append("có biểu mẫu điện tử")
            if doc_notes:
                doc["note"] = "; ".join(doc_notes)
            if component.get("attachments"):
                unmapped.append(f"giấy tờ '{short(name, 60)}': {len(component['attachments'])} mẫu đơn, tờ khai đính kèm")
            documents.append(doc)
    return documents, notes, unmapped
