"""The conformance check of a dossier that has just closed (issue 10).

Worker-only: it runs after the forms of the closing command were issued (inline, right after
the commit), so a notice that was issued is seen, and it keeps the check off the web request.
"""

from __future__ import annotations

from typing import Any

from engine import Dossier, HandlerContext, handler, run_conformance


@handler("conformance")
def conformance(ctx: HandlerContext, message: Any) -> None:
    dossier = ctx.session.get(Dossier, message.payload["dossier_id"])
    if dossier is not None:
        run_conformance(ctx.services, ctx.session, dossier, "close", ctx.now)
