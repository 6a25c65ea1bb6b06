"""The indicators of Decision 766/QĐ-TTg (2022) that this system's own data can compute, per agency and period.

LEGAL.md §8: five groups, 100 points (transparency 18, progress 20, online services 22, digitisation 22,
satisfaction 18 as dashboards show them [P]). What the data cannot give is listed as such, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from sqlalchemy import Connection, String, and_, case, cast, func, select

from ..storage.models import Task, table
from ..vocabulary import StepKind, TaskState
from .ii06a import compute
from .periods import Period
from .tables import FACTS


@dataclass(frozen=True)
class Indicator:
    group: str
    name: str
    value: float | None  # a share (0..1) or a count; None: not computable
    detail: str
    points: float | None = None
    max_points: float | None = None
    source: str = ""
    computable: bool = True


NOT_COMPUTABLE = (
    ("Công khai, minh bạch (18 điểm)", "Công bố, công khai TTHC; niêm yết; cập nhật CSDL quốc gia",
     "hệ thống không lưu việc công bố, niêm yết, đồng bộ Cổng DVC quốc gia"),
    ("Cung cấp dịch vụ trực tuyến (22 điểm)", "Thanh toán trực tuyến nghĩa vụ tài chính",
     "hệ thống chưa có thanh toán trực tuyến"),
    ("Số hóa hồ sơ (22 điểm)", "Số hóa kết quả giải quyết TTHC (kết quả điện tử)",
     "hệ thống chưa lưu kết quả điện tử có chữ ký số"),
    ("Mức độ hài lòng (18 điểm)", "Tiếp nhận, xử lý phản ánh, kiến nghị đúng hạn (15 ngày làm việc)",
     "hệ thống chưa có phản ánh, kiến nghị"),
    ("Mức độ hài lòng (18 điểm)", "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC",
     "chưa có dữ liệu đánh giá của người dân (điểm chia 6/6/6 hay 5/5/2/6 chưa thống nhất: LEGAL.md §8)"),
)


def indicators(conn: Connection, period: Period, tz: tzinfo, agency: str | None = None) -> list[Indicator]:
    total = compute(conn, period, tz, agency).total.figures
    out: list[Indicator] = []
    resolved = total["resolved_total"]
    on_time = total["early"] + total["on_time"]
    rate = on_time / resolved if resolved else None
    out.append(Indicator(
        "Tiến độ, kết quả giải quyết (20 điểm)", "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", rate,
        f"{on_time}/{resolved} hồ sơ đã giải quyết trong kỳ", None if rate is None else round(rate * 20, 2), 20,
        "LEGAL.md §8 [P: điểm = tỷ lệ × 20, công thức của nhà cung cấp, chưa đối chiếu phụ lục Quyết định 766]"))
    new = total["received_online"] + total["received_direct"]
    online = total["received_online"] / new if new else None
    out.append(Indicator(
        "Cung cấp dịch vụ trực tuyến (22 điểm)", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", online,
        f"{total['received_online']}/{new} hồ sơ tiếp nhận mới trong kỳ", None, None,
        "Số liệu của hệ thống; điểm theo thang của Quyết định 766 chưa có trong tài liệu dùng chung"))
    out.append(_digitised(conn, period, tz, agency))
    late = total["late"]
    out.append(Indicator(
        "Tiến độ, kết quả giải quyết (20 điểm)", "Thư xin lỗi đã gửi trong kỳ", float(total["apologies"]),
        f"{total['apologies']} thư xin lỗi; {late} hồ sơ giải quyết quá hạn trong kỳ", None, None, "LEGAL.md §4, §7"))
    satisfaction = 1 - (late / resolved) if resolved else None
    out.append(Indicator(
        "Mức độ hài lòng (18 điểm)", "Hài lòng về giải quyết TTHC, phần tính được: 100% − tỷ lệ quá hạn", satisfaction,
        "chưa trừ tỷ lệ hồ sơ có phản ánh, không hài lòng (chưa có dữ liệu): chỉ là cận trên", None, None,
        "LEGAL.md §8 [P]"))
    for group, name, why in NOT_COMPUTABLE:
        out.append(Indicator(group, name, None, f"Không tính được: {why}.", computable=False))
    return out


def _digitised(conn: Connection, period: Period, tz: tzinfo, agency: str | None) -> Indicator:
    """Received dossiers whose intake step confirmed the 'scanned and signed' checkpoint."""
    f, t = FACTS.c, table(Task).c
    start, end = period.instants(tz)
    scanned = (
        select(t.dossier_id).where(t.kind == StepKind.INTAKE, t.state == TaskState.COMPLETED,
                                   cast(t.checkpoints, String).contains("scanned_signed")).scalar_subquery()
    )
    where = [f.received_at >= start, f.received_at < end] + ([f.agency_received == agency] if agency else [])
    row = conn.execute(select(func.count(), func.coalesce(func.sum(case((and_(f.dossier_id.in_(scanned)), 1), else_=0)), 0))
                       .where(*where)).one()
    received, digitised = int(row[0]), int(row[1])
    return Indicator(
        "Số hóa hồ sơ (22 điểm)", "Tỷ lệ hồ sơ được số hóa khi tiếp nhận", digitised / received if received else None,
        f"{digitised}/{received} hồ sơ tiếp nhận trong kỳ có xác nhận 'đã quét, ký số' ở bước tiếp nhận", None, None,
        "Kiểm tra 'scanned_signed' của bước tiếp nhận (quy trình nội bộ)")


__all__ = ["NOT_COMPUTABLE", "Indicator", "indicators"]
