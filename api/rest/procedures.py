"""The procedure catalogue: search, and one procedure in its version in force today."""

from __future__ import annotations

from typing import Any

from flask import request

from engine import queries as q

from ..context import services, today
from .base import bp, paging
from .openapi import operation
from .schemas import PAGINATION


@operation(bp, "GET", "/procedures", summary="Danh sách, tìm kiếm thủ tục (không phân biệt dấu)", tag="procedures",
           response="ProcedurePage", auth=False, errors=("invalid_command",), query=[
               {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Từ khóa: mã hoặc tên, có dấu hay không."},
               {"name": "field", "in": "query", "schema": {"type": "string"}, "description": "Lĩnh vực (slug)."},
               {"name": "agency", "in": "query", "schema": {"type": "string"}, "description": "Cơ quan có thẩm quyền (id)."},
               *PAGINATION])
def list_procedures() -> Any:
    page, per_page = paging()
    with services().sessions() as session:
        result = q.procedures(session, q=request.args.get("q"), field=request.args.get("field"),
                              agency=request.args.get("agency"), on=today(), page=page, per_page=per_page)
    return result.as_dict()


@operation(bp, "GET", "/procedures/{code}", summary="Một thủ tục (phiên bản đang có hiệu lực)", tag="procedures",
           response="Procedure", auth=False, errors=("not_found",))
def get_procedure(code: str) -> Any:
    with services().sessions() as session:
        return q.procedure(session, code, today())
