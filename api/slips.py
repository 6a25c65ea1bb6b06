"""Helpers of the printable slips: the QR code to the public status page."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(url: str, scale: int = 3) -> Markup:
    """An inline SVG QR code (error correction M) for ``url``; pure Python, no network."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                    title="Mã QR tra cứu hồ sơ", border=2)
    return Markup(buffer.getvalue().decode("utf-8"))
