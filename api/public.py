"""Public pages, no login: the procedure listing (niêm yết công khai) and dossier status by code.

The blueprint has the staff site's header (a signed-in officer sees their menu)
and Vietnamese error pages (``api/pages.py``); citizens' own services (filing
online, their dossiers) will be a ``citizen`` blueprint of its own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from engine import NotFound
from engine import queries as q
from engine.textcheck import problem as text_problem

from . import pages, params
from .context import services, today

bp = Blueprint("public", __name__, url_prefix="")
pages.register(bp)


@bp.get("/cong-khai")
@bp.get("/cong-khai/thu-tuc")
def listing() -> Any:
    page, per_page = params.page_of(20)
    field = request.args.get("field") or None
    query = request.args.get("q", "")
    with services().sessions() as session:
        result = q.procedures(session, q=query, field=field, on=today(), page=page, per_page=per_page)
        fields = q.fields(session)
    return render_template("public/listing.html", result=result, field=field, query=query, fields=fields)


@bp.get("/cong-khai/thu-tuc/<code>")
def procedure(code: str) -> Any:
    with services().sessions() as session:
        p = q.procedure(session, code, today())
    return render_template("public/procedure.html", p=p)


@bp.get("/tra-cuu")
@bp.get("/tra-cuu/<code>")
def lookup(code: str = "") -> Any:
    """The lookup form, the code filled in from the receipt's QR code (``/tra-cuu/<code>``) or ``?ma=``.

    It shows nothing about the dossier: whether a code exists is told only with the applicant's digits.
    """
    code = (code or request.args.get("ma") or "").strip()
    return render_template("public/status.html", s=None, code=code if _plausible(code) else "", digits=q.DIGITS)


@bp.post("/tra-cuu")
def status() -> Any:
    """The status of the dossier with this code and digits; else the same 'not found' whatever was wrong.

    A POST (no CSRF: it changes nothing), so the digits stay out of addresses, histories and logs.
    Misses are throttled per address (``api/throttle.py``).
    """
    code = (request.form.get("ma") or "").strip()
    digits = (request.form.get("so") or "").strip()
    try:
        if not (_plausible(code) and _plausible(digits)):
            raise NotFound(q.NOT_FOUND.format(n=q.DIGITS))
        with services().sessions() as session:
            s = q.public_status(session, code, digits)
    except NotFound:
        return render_template("public/status.html", s=None, code=code if _plausible(code) else "", missing=True,
                               digits=q.DIGITS), 404
    return render_template("public/status.html", s=s, code=code, tz=services().calendar.tz, digits=q.DIGITS)


def _plausible(text: str) -> bool:
    """Short text a database keeps (no NUL, no lone surrogate): anything else is not a code nor digits."""
    return len(text) <= 60 and text_problem(text) is None


@bp.get("/cong-khai/nhat-ky-kiem-toan")
def audit_head() -> Any:
    """The last signed tree head of the audit log (issue 10), for anyone to copy and check later."""
    from engine.quality import heads

    from .quality import audit_folder

    folder = audit_folder()
    try:
        head, problem = heads.read(folder / heads.HEAD_FILE), None
    except heads.HeadError:
        head, problem = None, "Tệp đầu cây trên máy chủ bị hỏng; đã báo quản trị viên kiểm tra."
    if request.args.get("dang") == "json" or request.accept_mimetypes.best == "application/json":
        if head is None:
            return {"error": problem or "Chưa công bố đầu cây nào."}, 404
        return head.as_dict()
    return render_template("public/audit_head.html", head=head, problem=problem, signed=head.signed_bytes().decode() if head else "")
