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


def comparable(value: dict[str, Any]) -> tuple[int, Decimal]:
    unit = next(iter(value))
    amount = Decimal(str(value[unit]))
    if unit == "working_days":
        return 0, amount * 8
    if unit == "working_hours":
        return 0, amount
    return 1, amount


def read_fees(by_channel: dict[str, list[dict[str, Any]]], unmapped: list[str]) -> list[dict[str, Any]]:
    mapped: dict[str, list[dict[str, Any]]] = {}
    for channel, fees in by_channel.items():
        items = []
        for fee in fees:
            kind = FEE_TYPES.get(str(fee.get("type")), fee.get("type") or "Phí")
            name = short(fee.get("description"), 300) or kind
            item: dict[str, Any] = {"name": name}
            value = to_number(fee.get("value"))
            currency = fee.get("currencyId") or ""
            currency_name = fee.get("currencyName") or ""
            if value is None:
                item["amount"] = None
                unmapped.append(f"phí kênh {channel} '{short(name, 60)}': số tiền '{fee.get('value')}' không đọc được")
            elif value == 0 or currency in VND_CURRENCY_IDS:
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


def read_documents(data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    unmapped: list[str] = []
    cases = [c for c in data.get("executionCases") or [] if c.get("profileComponents")]
    groups: list[tuple[str, list[dict[str, Any]]]] = [(clean(c.get("name")), c["profileComponents"]) for c in cases]
    if data.get("profileComponents"):
        groups.append(("", data["profileComponents"]))
    documents: list[dict[str, Any]] = []
    many = len(groups) > 1
    for g, (case_name, components) in enumerate(groups, start=1):
        for i, component in enumerate(components, start=1):
            name = doc_name(component.get("name"))
            if not name:
                unmapped.append(f"giấy tờ không tên trong trường hợp {g}")
                continue
            doc: dict[str, Any] = {"id": f"c{g}_d{i:02d}" if many else f"d{i:02d}", "name": name}
            originals, copies = to_number(component.get("originalQty")), to_number(component.get("copyQty"))
            if originals is not None:
                doc["originals"] = int(originals)
            if copies is not None:
                doc["copies"] = int(copies)
            doc["required"] = bool(component.get("required"))
            notes = []
            if many:
                notes.append(f"Trường hợp: {case_name or g}")
            if component.get("isProcessingResult"):
                notes.append("là kết quả giải quyết của thủ tục khác")
            if component.get("hasElectronicForm"):
                notes.append("có biểu mẫu điện tử")
            if notes:
                doc["note"] = "; ".join(notes)
            if component.get("attachments"):
                unmapped.append(f"giấy tờ '{short(name, 60)}': {len(component['attachments'])} mẫu đơn, tờ khai đính kèm")
            documents.append(doc)
    return documents, unmapped
