"""Security headers on every response, and ``Cache-Control: no-store`` on everything personal.

- ``Content-Security-Policy``: the pages run their own scripts and styles only (``api/static``, bpmn-js
  included under ``static/vendor``): no inline script, no inline style attribute, no other origin;
  ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY`` for older browsers.
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (a dossier's URL holds its code).
- ``Strict-Transport-Security`` only on a request that came over HTTPS: directly, or through
  ``TRUSTED_PROXIES`` reverse proxies whose ``X-Forwarded-Proto`` is believed (werkzeug's ProxyFix).
- ``Cache-Control: no-store`` on every answer except the static files and a few public pages
  (``CACHEABLE``) read by someone not signed in: staff pages, dossiers, the public status lookup, the
  API (a shared cache or the browser's back button must not keep a dossier or a name).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # bpmn-js draws its markers as data: images
    "font-src 'self' data:",  # the bpmn font is embedded in its CSS
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
DEFAULTS: dict[str, Any] = {
    "CONTENT_SECURITY_POLICY": CSP,
    "HSTS_MAX_AGE": 31536000,  # one year; 0 sends no HSTS even over HTTPS
    "TRUSTED_PROXIES": 0,  # reverse proxies in front of the app whose X-Forwarded-* headers are believed
}
# Public pages with nothing personal, cacheable when no one is signed in (the header shows who is).
CACHEABLE = frozenset({
    "static", "health.healthz", "public.listing", "public.procedure", "public.audit_head",
    "public_stats.public_index", "public_stats.public_stats", "rest.openapi_json",
})


def secure_headers(response: Response) -> Response:
    from flask import current_app

    config = current_app.config
    headers = response.headers
    headers.setdefault("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure and int(config["HSTS_MAX_AGE"]) > 0:
        headers["Strict-Transport-Security"] = f"max-age={int(config['HSTS_MAX_AGE'])}; includeSubDomains"
    if request.endpoint not in CACHEABLE or g.get("user") is not None:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("ETag", None)
        headers.pop("Last-Modified", None)
    return response


def register(app: Flask) -> None:
    proxies = int(app.config["TRUSTED_PROXIES"] or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)  # type: ignore[method-assign]
    app.after_request(secure_headers)


__all__ = ["CACHEABLE", "CSP", "DEFAULTS", "register", "secure_headers"]
