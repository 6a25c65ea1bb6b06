"""The forms a step lists in ``forms:`` and the control slip at closing, queued when the event is recorded.

Forms that have a command of their own (receipt, supplement request, refusal, apology, stop notice)
are issued by that command; the others a step lists (``result``, ``transfer_note``) are queued here
when the step is completed with an outcome that goes forward. The process control slip is attached
to the dossier's record when it closes (result returned, stopped, or closed for want of a supplement). The handlers are in
``handlers/forms.py`` (each issues a form once per dossier).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..commands.kernel import Kernel

SELF_ISSUED = frozenset({"receipt", "supplement_request", "refusal", "refusal_decision", "apology", "stop_notice",
                         "closure_notice"})
BACKWARD = frozenset({"send_back", "reject", "request_supplement"})
CLOSING = frozenset({"status.return_result", "status.stop", "status.close_unsupplemented"})


def after_event(k: Kernel, dossier: Any, name: str, after: dict[str, Any]) -> None:
    if name == "step.completed" and after.get("outcome") not in BACKWARD:
        procedure = k.s.version(k.session, dossier.procedure_version_id).procedure
        step = procedure.step_by_id.get(str(after.get("step")))
        if step is None:
            return
        for form in step.forms:
            if form not in SELF_ISSUED:
                k.outbox(dossier, "step_form", {"dossier_id": dossier.id, "form": form, "step": step.id, "step_name": step.name})
    elif name in CLOSING and dossier.received_at is not None:  # a dossier never received had no process to control
        k.outbox(dossier, "control_slip", {"dossier_id": dossier.id})


__all__ = ["BACKWARD", "SELF_ISSUED", "after_event"]
