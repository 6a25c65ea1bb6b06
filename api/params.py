"""What every view reads from a URL: ids in paths, page numbers and cursors in query strings.

One converter and one parser for the whole app (issue 12): ``<id:task_id>`` matches ASCII
digits within the database's integer range only (``/dossiers/³``, ``2^31`` and ``2^63`` match no
route: 404, never an overflow in the database), and :func:`paging` / :func:`int_arg` answer 400
(:class:`engine.BadInput`) for a page that is no number or out of range. :func:`refuse_bad_text`
is the app's ``before_request``: a NUL or broken character in the path is a 404, in the query
string or a web form a 400, before any view or query runs (PostgreSQL refuses NUL in text).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, ValidationError

from engine.errors import BadInput
from engine.queries import MAX_ID, MAX_PER_PAGE
from engine.textcheck import InvalidText, check, problem

MAX_CURSOR = 200  # a keyset cursor is a short base64 text


class IdConverter(BaseConverter):
    """A row id: 1 ≤ id ≤ 2^31-1, ASCII digits only. Anything else matches no route (404)."""

    regex = r"[0-9]{1,10}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def register(app: Flask) -> None:
    """The ``id`` converter and the text check of every URL."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_bad_text)


def refuse_bad_text() -> None:
    """A path with a NUL or broken character names nothing (404); such a query parameter is refused (400)."""
    if problem(request.path, free=False) is not None:
        raise NotFound()
    if request.url_rule is None or request.blueprint in (None, "health"):
        return  # no view (its 404/405 answers), or static files and health checks, which read no parameter
    for name, value in request.args.items(multi=True):
        try:
            check(value, name, free=False)
        except InvalidText as exc:
            raise InvalidText(f"Tham số '{name[:40]}' {problem(value) or 'không hợp lệ'}.", parameter=name[:40]) from exc
        if problem(name) is not None:
            raise InvalidText("Tên tham số chứa ký tự không hợp lệ.")
    if request.method == "POST" and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):  # a web form: textareas may hold line breaks
            if problem(name) is not None or problem(value, free=True) is not None:
                label = name[:40] if problem(name) is None else "?"
                raise InvalidText(f"Ô '{label}' {problem(value, free=True) or 'có tên không hợp lệ'}; không có gì được ghi.",
                                  field=label)


def int_arg(name: str, default: int | None, low: int = 1, high: int = MAX_ID) -> int | None:
    """An integer query parameter within [low, high] (ASCII digits: '²' is no number); absent or empty: ``default``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    digits = raw[1:] if raw.startswith("-") else raw
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
        raise BadInput(f"Tham số '{name}' phải là số nguyên.", parameter=name)
    value = int(raw)
    if not low <= value <= high:
        raise BadInput(f"Tham số '{name}' phải từ {low} đến {high}.", parameter=name)
    return value


def paging(default: int = 20, maximum: int = MAX_PER_PAGE) -> tuple[int, int]:
    """``page`` (1 ≤ page ≤ 2^31-1) and ``per_page`` (1 ≤ per_page ≤ ``maximum``) of the query string."""
    page = int_arg("page", 1)
    per_page = int_arg("per_page", default, 1, maximum)
    assert page is not None and per_page is not None
    return page, per_page


def page_of(per_page: int) -> tuple[int, int]:
    """A page of an HTML list that shows ``per_page`` rows: ``page`` from the query string (400 when it is no page)."""
    page = int_arg("page", 1)
    assert page is not None
    return page, per_page


def cursor_arg(name: str) -> str | None:
    """A keyset cursor (``after``/``before``): short text; its content is checked by the query that decodes it."""
    raw = request.args.get(name) or None
    if raw is not None and len(raw) > MAX_CURSOR:
        raise BadInput(f"Con trỏ '{name}' không hợp lệ.", parameter=name)
    return raw


__all__ = ["IdConverter", "cursor_arg", "int_arg", "page_of", "paging", "refuse_bad_text", "register"]
