"""The statutory statuses of a dossier (LEGAL.md §6), one `transitions` machine for all procedures.

The machine is declared once, as data, and used as the table of legal moves:
:func:`move` answers the destination of a move or raises IllegalTransition.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine

from .errors import IllegalTransition
from .labels import STATUSES, status_label  # noqa: F401  (STATUSES re-exported)
from .vocabulary import CLOSED_STATUSES, OPEN_STATUSES

# The statuses and their labels are the vocabulary's (engine/vocabulary.py, engine/labels.py).
OPEN = OPEN_STATUSES
CLOSED = CLOSED_STATUSES
_BEFORE_RESULT = ["registered", "received", "processing", "awaiting_supplement", "awaiting_payment"]

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "receive", "source": ["registered", "awaiting_supplement"], "dest": "received"},
    {"trigger": "refuse_intake", "source": "registered", "dest": "not_received"},
    {"trigger": "start_processing", "source": "received", "dest": "processing"},
    {"trigger": "request_supplement", "source": ["registered", "received", "processing"], "dest": "awaiting_supplement"},
    {"trigger": "receive_supplement", "source": "awaiting_supplement", "dest": "processing"},
    {"trigger": "request_payment", "source": "processing", "dest": "awaiting_payment"},
    {"trigger": "receive_payment", "source": "awaiting_payment", "dest": "processing"},
    {"trigger": "request_withdrawal", "source": _BEFORE_RESULT, "dest": "withdrawal_requested"},
    {"trigger": "stop", "source": "withdrawal_requested", "dest": "stopped"},
    {"trigger": "resolve", "source": ["received", "processing", "awaiting_supplement"], "dest": "resolved"},
    {"trigger": "return_result", "source": "resolved", "dest": "returned"},
    # The supplement did not arrive within the procedure's waiting period (LEGAL.md §4): closed, not refused.
    {"trigger": "close_unsupplemented", "source": "awaiting_supplement", "dest": "closed"},
]

MACHINE = Machine(model=None, states=[str(s) for s in STATUSES], transitions=TRANSITIONS, initial=None, auto_transitions=False)

_MOVES_VI = {
    "receive": "tiếp nhận",
    "refuse_intake": "từ chối tiếp nhận",
    "start_processing": "chuyển xử lý",
    "request_supplement": "yêu cầu bổ sung",
    "receive_supplement": "nhận hồ sơ bổ sung",
    "request_payment": "yêu cầu nộp phí",
    "receive_payment": "nhận phí",
    "request_withdrawal": "yêu cầu rút hồ sơ",
    "stop": "dừng xử lý",
    "resolve": "hoàn thành xử lý",
    "return_result": "trả kết quả",
    "close_unsupplemented": "đóng hồ sơ do không bổ sung trong thời hạn",
    "complete_step": "hoàn thành bước",
    "refuse": "từ chối giải quyết",
    "extend": "hẹn lại ngày trả kết quả",
    "transfer_competence": "chuyển thẩm quyền",
}


def destination(status: str, move: str) -> str | None:
    """Where ``move`` leads from ``status``, or None when it is not a legal move."""
    event = MACHINE.events.get(move)
    if event is None:
        return None
    transitions = event.transitions.get(status)
    return transitions[0].dest if transitions else None


def move(dossier_code: str, status: str, move_name: str) -> str:
    """The new status, or IllegalTransition naming the dossier, its status and the move."""
    dest = destination(status, move_name)
    if dest is None:
        raise illegal(dossier_code, status, move_name)
    return dest


def illegal(dossier_code: str, status: str, move_name: str) -> IllegalTransition:
    """The error for a move the status machine (or a command's own rule) does not allow."""
    return IllegalTransition(
        f"Hồ sơ {dossier_code} đang ở trạng thái '{label(status)}' ({status}): "
        f"không thể {_MOVES_VI.get(move_name, move_name)} ({move_name}).",
        dossier=dossier_code, status=status, move=move_name,
    )


label = status_label


def allowed_moves(status: str) -> list[str]:
    return [name for name in MACHINE.events if destination(status, name)]
