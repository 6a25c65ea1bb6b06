"""Request bounds (issue 12 §2–3): body size, upload size, JSON depth, number of validation errors.

Every request gets its size limit before anything reads the body
(:func:`bound_request`, the app's first hook): a declared ``Content-Length``
past the limit is refused with 413 at once, and a body sent without one
(chunked) is read at most one byte past the limit (Werkzeug's limited stream
stops there silently) and that byte makes it a 413 (:func:`body_bytes`). JSON and form
bodies may be ``MAX_BODY_BYTES`` (1 MiB); the endpoints of
:data:`UPLOAD_ENDPOINTS` (the analyst's definition and BPMN upload) have
``MAX_UPLOAD_BYTES`` (8 MiB). A JSON body nested deeper than
``MAX_JSON_DEPTH`` (32) is refused before it is parsed (:func:`json_depth_problem`),
so neither the JSON parser nor the schema validator recurse without end.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

MIB = 1024 * 1024
DEFAULTS: dict[str, int] = {  # app.config keys (MOTCUA_<key> in the environment)
    "MAX_BODY_BYTES": 1 * MIB,
    "MAX_UPLOAD_BYTES": 8 * MIB,
    "MAX_JSON_DEPTH": 32,
    "MAX_VALIDATION_ERRORS": 20,
}
UPLOAD_ENDPOINTS = frozenset({"analyst.save_draft"})  # endpoints that take a definition file or a BPMN drawing

_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')  # strings skipped whole: a "[" inside one is text


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.before_request_funcs.setdefault(None, []).insert(0, bound_request)


def body_limit() -> int:
    config = current_app.config
    return int(config["MAX_UPLOAD_BYTES"] if request.endpoint in UPLOAD_ENDPOINTS else config["MAX_BODY_BYTES"])


def bound_request() -> None:
    """The request's size limit, set before any reader runs; a declared oversize body is refused unread."""
    limit = body_limit()
    # A streamed body is read up to one byte past the limit, so body_bytes can tell "too large" from "exactly full".
    request.max_content_length = limit if request.content_length is not None else limit + 1
    request.max_form_memory_size = limit  # one form field (the YAML text of a draft) may fill the body
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(f"Nội dung gửi lên quá lớn: {request.content_length} byte (tối đa {limit} byte).")


def body_bytes() -> bytes:
    """The body (cached), 413 if a streamed one went past the limit."""
    raw = request.get_data(cache=True)
    if len(raw) > body_limit():
        raise RequestEntityTooLarge()
    return raw


def json_depth_problem(raw: bytes, limit: int | None = None) -> str | None:
    """A Vietnamese sentence if ``raw`` JSON nests deeper than ``limit`` (without parsing it), else None."""
    limit = limit or int(current_app.config["MAX_JSON_DEPTH"])
    depth = 0
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return f"JSON lồng quá sâu: hơn {limit} cấp mảng/đối tượng (tại byte {match.start()})."
        elif token in (b"]", b"}"):
            depth -= 1
    return None


def json_body() -> Any:
    """The request's JSON body within the bounds (cached), or None if it is absent, invalid or too deep."""
    if "bounded_json" not in g:
        raw = body_bytes()
        value: Any = None
        if raw and json_depth_problem(raw) is None:
            try:
                value = json.loads(raw)
            except (ValueError, RecursionError):
                value = None
        g.bounded_json = value
    return g.bounded_json


__all__ = ["DEFAULTS", "UPLOAD_ENDPOINTS", "body_bytes", "body_limit", "bound_request", "init_app", "json_body", "json_depth_problem"]
