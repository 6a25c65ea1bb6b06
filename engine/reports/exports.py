"""Biểu II.06a as files: CSV, Excel (merged headers and a totals row, like the official form), PDF (A4 landscape).

The PDF is WeasyPrint's rendering of :func:`html`, with the Debian DejaVu fonts embedded
(``fonts-dejavu-core``: Vietnamese diacritics print as they should).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from html import escape

from .ii06a import COLUMNS, FORM, GROUPS, KEYS, TITLE, Line, Report
from .periods import Period

FORMATS = ("xlsx", "pdf", "csv")
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf",
         "csv": "text/csv; charset=utf-8"}


def heading(period: Period, agency_name: str) -> list[str]:
    return [FORM, TITLE, f"Kỳ báo cáo: {period.label} ({period.start:%d/%m/%Y} – {period.end:%d/%m/%Y})",
            f"Đơn vị báo cáo: {agency_name}"]


def to_csv(report: Report, rows: list[Line], agency_name: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for text in heading(report.period, agency_name):
        writer.writerow([text])
    groups = {first: title for title, first, _ in GROUPS}
    writer.writerow(["STT", "Lĩnh vực, công việc giải quyết theo cấp"] + [groups.get(i, "") for i in range(len(KEYS))])
    writer.writerow(["", ""] + [label for _, label in COLUMNS])
    for line in rows:
        writer.writerow([line.number, line.label] + [line.figures[k] for k in KEYS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens the UTF-8 as such


def to_xlsx(report: Report, rows: list[Line], agency_name: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "II.06a"
    last = 2 + len(KEYS)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r, text in enumerate(heading(report.period, agency_name), start=1):
        ws.cell(r, 1, text).font = Font(bold=r <= 2)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        ws.cell(r, 1).alignment = Alignment(horizontal="center" if r == 2 else "left")
    top = 6
    ws.cell(top, 1, "STT")
    ws.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    ws.cell(top, 2, "Lĩnh vực, công việc giải quyết theo cấp")
    ws.merge_cells(start_row=top, start_column=2, end_row=top + 1, end_column=2)
    for title, first, width in GROUPS:
        ws.cell(top, 3 + first, title)
        ws.merge_cells(start_row=top, start_column=3 + first, end_row=top, end_column=2 + first + width)
    for i, (_, label) in enumerate(COLUMNS):
        ws.cell(top + 1, 3 + i, label)
    ws.cell(top + 2, 1, "(1)")
    ws.cell(top + 2, 2, "(2)")
    for i in range(len(KEYS)):
        ws.cell(top + 2, 3 + i, f"({3 + i})")
    for r in range(top, top + 3):
        for c in range(1, last + 1):
            cell = ws.cell(r, c)
            cell.alignment, cell.border, cell.font = center, box, Font(bold=r < top + 2)
    row = top + 3
    fills = {"total": PatternFill("solid", fgColor="DDEBF7"), "level": PatternFill("solid", fgColor="F2F2F2")}
    for line in rows:
        ws.cell(row, 1, line.number)
        ws.cell(row, 2, line.label)
        for i, key in enumerate(KEYS):
            ws.cell(row, 3 + i, line.figures[key])
        for c in range(1, last + 1):
            cell = ws.cell(row, c)
            cell.border = box
            if line.kind in ("total", "level", "field"):
                cell.font = Font(bold=True)
            if line.kind in fills:
                cell.fill = fills[line.kind]
        row += 1
    ws.column_dimensions["A"].width = 7
    ws.column_dimensions["B"].width = 60
    for i in range(len(KEYS)):
        ws.column_dimensions[get_column_letter(3 + i)].width = 11
    ws.row_dimensions[top].height = 32
    ws.row_dimensions[top + 1].height = 45
    ws.freeze_panes = ws.cell(top + 3, 3)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def html(report: Report, rows: list[Line], agency_name: str, printed_at: datetime | None = None) -> str:
    """The form as a standalone HTML page (for the PDF)."""
    head = heading(report.period, agency_name)
    group_cells = "".join(f'<th colspan="{w}">{escape(t)}</th>' for t, _, w in GROUPS)
    column_cells = "".join(f"<th>{escape(label)}</th>" for _, label in COLUMNS)
    numbers = "".join(f"<th>({i})</th>" for i in range(1, len(KEYS) + 3))
    body = "".join(
        f'<tr class="{line.kind}"><td>{escape(line.number)}</td><td class="label">{escape(line.label)}</td>'
        + "".join(f"<td>{line.figures[k]}</td>" for k in KEYS) + "</tr>"
        for line in rows
    )
    printed = f"<p class='printed'>In lúc {printed_at:%H:%M %d/%m/%Y}</p>" if printed_at else ""
    return f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(FORM)}</title><style>
@page {{ size: A4 landscape; margin: 10mm; }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 7.5pt; }}
h1 {{ font-size: 10pt; text-align: center; margin: 2mm 0; }} p {{ margin: 1mm 0; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 0.5pt solid #000; padding: 1mm; text-align: center; }}
td.label {{ text-align: left; }} tr.total td, tr.level td, tr.field td {{ font-weight: bold; }}
tr.total td {{ background: #ddebf7; }} tr.level td {{ background: #f2f2f2; }} .printed {{ font-size: 6pt; color: #555; }}
</style></head><body><p><b>{escape(head[0])}</b></p><h1>{escape(head[1])}</h1><p>{escape(head[2])}</p><p>{escape(head[3])}</p>
<table><thead><tr><th rowspan="2">STT</th><th rowspan="2">Lĩnh vực, công việc giải quyết theo cấp</th>{group_cells}</tr>
<tr>{column_cells}</tr><tr>{numbers}</tr></thead><tbody>{body}</tbody></table>{printed}</body></html>"""


def to_pdf(report: Report, rows: list[Line], agency_name: str, printed_at: datetime | None = None) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html(report, rows, agency_name, printed_at)).write_pdf())


def render(fmt: str, report: Report, rows: list[Line], agency_name: str, printed_at: datetime | None = None) -> bytes:
    if fmt == "csv":
        return to_csv(report, rows, agency_name)
    if fmt == "xlsx":
        return to_xlsx(report, rows, agency_name)
    if fmt == "pdf":
        return to_pdf(report, rows, agency_name, printed_at)
    raise ValueError(f"định dạng không hỗ trợ '{fmt}' ({', '.join(FORMATS)})")


__all__ = ["FORMATS", "MEDIA", "html", "render", "to_csv", "to_pdf", "to_xlsx"]
