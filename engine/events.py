"""One typed definition per audit event kind: its name, its fields, what it says in Vietnamese.

``audit.record`` accepts only these kinds and only their declared fields, the
timeline renders them through :func:`describe`, and what reads the log later
(reports' facts, the conformance replay) finds here what each kind carries.
A status move is one kind per move of the status machine (``status.<move>``).
A kind marked ``nonconformity`` records a departure from the approved process
(ISO 9001 8.7) that the rules allow only as a recorded exception: the quality
work lists the events of these kinds (:data:`NONCONFORMITIES`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .labels import OUTCOMES, RESULTS, TIMELINESS, role_label, status_label

Local = Callable[[Any], str]  # an ISO moment as stored -> local "HH:MM dd/mm/YYYY"


@dataclass(frozen=True)
class Context:
    """What the timeline needs to name things: step names, checkpoint labels, local time."""

    steps: dict[str, str] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    local: Local = str

    def step(self, step_id: str | None) -> str:
        return self.steps.get(step_id or "", step_id or "")


Describe = Callable[[dict[str, Any], dict[str, Any], Context], list[str]]


def _nothing(before: dict[str, Any], after: dict[str, Any], ctx: Context) -> list[str]:
    return []


@dataclass(frozen=True)
class EventKind:
    name: str
    label: str
    fields: frozenset[str]  # keys of ``after`` (``before`` holds the prior values of some of them)
    describe: Describe = _nothing
    nonconformity: bool = False  # a departure from the process, allowed only as a recorded exception

    def __str__(self) -> str:
        return self.name


EVENTS: dict[str, EventKind] = {}


def _kind(name: str, label: str, fields: str, describe: Describe = _nothing, nonconformity: bool = False) -> EventKind:
    kind = EventKind(name, label, frozenset(fields.split()), describe, nonconformity)
    EVENTS[name] = kind
    return kind


# ---------------------------------------------------------------------- descriptions

def _reasons(after: dict[str, Any]) -> list[str]:
    out = []
    if after.get("items"):
        out.append("Cần bổ sung: " + "; ".join(after["items"]))
    if after.get("reasons"):
        out.append("Lý do: " + "; ".join(after["reasons"]))
    if after.get("reason"):
        out.append(f"Lý do: {after['reason']}")
    return out


def _status(before: dict[str, Any], after: dict[str, Any], ctx: Context) -> list[str]:
    out = [f"{status_label(before.get('status', ''))} → {status_label(after.get('status', ''))}", *_reasons(after)]
    if after.get("result"):
        out.append(RESULTS.get(after["result"], after["result"]))
    if after.get("direct"):
        out.append("Lãnh đạo cơ quan quyết định từ chối trực tiếp (không qua các bước của quy trình)")
    if after.get("signer"):
        out.append(f"Người ký: {after['signer'].get('name') or after['signer'].get('id')}")
    if after.get("exception"):
        out.append("Ngoại lệ: yêu cầu bổ sung thêm lần nữa (ghi nhận không phù hợp)")
    if after.get("late_since"):
        out.append(f"Yêu cầu khi hồ sơ đã quá hạn (từ {ctx.local(after['late_since'])}): hồ sơ vẫn tính là trễ hạn")
    if after.get("wait_until"):
        out.append(f"Thông báo bổ sung lúc {ctx.local(after.get('notice_at'))}; hết thời hạn bổ sung "
                   f"{ctx.local(after['wait_until'])} ({after.get('wait', '')})")
    return out


def _step_completed(before: dict[str, Any], after: dict[str, Any], ctx: Context) -> list[str]:
    outcome = str(after.get("outcome"))
    out = [f"Bước: {ctx.step(after.get('step'))}; kết quả: {OUTCOMES.get(outcome, outcome)}"]
    if after.get("checkpoints"):
        out.append("Đã kiểm tra: " + "; ".join(ctx.checks.get(c, c) for c in after["checkpoints"]))
    if after.get("timeliness"):
        out.append(TIMELINESS.get(after["timeliness"], after["timeliness"]))
    if after.get("note"):
        out.append(f"Ghi chú: {after['note']}")
    return out


def _tasks_ready(before: dict[str, Any], after: dict[str, Any], ctx: Context) -> list[str]:
    return ["Chuyển đến: " + ", ".join(f"{ctx.step(t['step'])} ({role_label(t['role'])})" for t in after.get("tasks", []))]


# ---------------------------------------------------------------------- the kinds

CALENDAR_KINDS = {"day_off": "ngày nghỉ", "working_day": "ngày làm việc (làm bù)", "withdrawn": "gỡ điều chỉnh"}

_SNAPSHOT = ("code status procedure variant procedure_version agency channel received_at due_at documents applicant_digest "
             "step_units")
DOSSIER_RECEIVED = _kind("dossier.received", "Tiếp nhận hồ sơ", _SNAPSHOT + " note",
                         lambda b, a, c: ["Hạn trả kết quả: " + c.local(a.get("due_at"))])
DOSSIER_REGISTERED = _kind("dossier.registered", "Ghi nhận hồ sơ", _SNAPSHOT + " at_desk")
DOSSIER_REFUSED_AT_INTAKE = _kind("dossier.refused_at_intake", "Từ chối tiếp nhận", _SNAPSHOT + " reasons",
                                  lambda b, a, c: ["Lý do: " + "; ".join(a.get("reasons", []))])
DOSSIER_EXTENDED = _kind("dossier.extended", "Xin lỗi, hẹn lại ngày trả kết quả", "due_at reason late",
                         lambda b, a, c: [f"Hẹn lại: {c.local(a.get('due_at'))} (trước đây: {c.local(b.get('due_at'))}); "
                                          f"lý do: {a.get('reason', '')}"])
COMPETENCE_TRANSFERRED = _kind("dossier.competence_transferred", "Chuyển thẩm quyền giải quyết",
                               "agency legal_basis effective tasks received_at due_at")
TASK_CLAIMED = _kind("task.claimed", "Nhận xử lý", "task step claimed_by",
                     lambda b, a, c: [f"Bước: {c.step(a.get('step'))}"])
STEP_COMPLETED = _kind("step.completed", "Hoàn thành bước", "task step outcome checkpoints timeliness note",
                       _step_completed)
TASK_ASSIGNED = _kind("task.assigned", "Phân công xử lý", "task step assignee previous note",
                      lambda b, a, c: [f"Bước: {c.step(a.get('step'))}; giao cho: {a.get('assignee')}"
                                       + (f" (trước đó: {a['previous']})" if a.get("previous") else "")
                                       + (f"; ghi chú: {a['note']}" if a.get("note") else "")])
TASKS_READY = _kind("tasks.ready", "Chuyển bước tiếp theo", "tasks", _tasks_ready)
SUPPLEMENT_RECEIVED = _kind("supplement.received", "Nhận hồ sơ bổ sung",
                            "due_at statutory_due_at policy documents note",
                            lambda b, a, c: ["Hạn trả mới: " + c.local(a.get("due_at"))])
SUPPLEMENT_EXCEPTION = _kind(
    "nonconformity.second_supplement", "Yêu cầu bổ sung thêm lần nữa (ngoại lệ, không phù hợp)", "count reason",
    lambda b, a, c: [f"Lần yêu cầu bổ sung thứ {a.get('count')}; lý do ngoại lệ: {a.get('reason', '')}"], nonconformity=True,
)
LATE_APOLOGY = _kind(
    "nonconformity.late_apology", "Xin lỗi, hẹn lại muộn (không phù hợp)", "due_at left",
    lambda b, a, c: [f"Phiếu xin lỗi lập khi {'đã quá hạn' if not a.get('left') else 'còn dưới 01 ngày làm việc'} "
                     f"(hạn trả {c.local(a.get('due_at'))}); quy định: chậm nhất 01 ngày làm việc trước hạn"],
    nonconformity=True,
)
DOSSIER_MIGRATED = _kind(
    "dossier.migrated", "Chuyển hồ sơ từ hệ thống cũ",
    _SNAPSHOT + " source line resolved_at returned_at result timeliness steps tasks",
    lambda b, a, c: [f"Nguồn: {a.get('source', '')}, dòng {a.get('line', '')}; số bước đã làm: {len(a.get('steps') or [])}"],
)
# An administrator's "act as" on a dossier (its chain: shown on the dossier's timeline) and the console's
# changes to accounts (the system chain).
ACT_AS = _kind("admin.act_as", "Quản trị viên làm thay", "reason until",
               lambda b, a, c: [f"Lý do: {a.get('reason', '')}", f"Được làm thay đến {c.local(a.get('until'))}"])
_ACCOUNT = "user name role agency division email"
ACCOUNT_CREATED = _kind("account.created", "Tạo tài khoản", _ACCOUNT)
ACCOUNT_UPDATED = _kind("account.updated", "Sửa tài khoản (vai trò, cơ quan, phòng, thư điện tử)", _ACCOUNT)
ACCOUNT_DEACTIVATED = _kind("account.deactivated", "Khóa tài khoản", "user tokens sessions")
ACCOUNT_REACTIVATED = _kind("account.reactivated", "Mở lại tài khoản", "user tokens sessions")
PASSWORD_RESET = _kind("account.password_reset", "Đặt lại mật khẩu (buộc đổi khi đăng nhập)", "user tokens sessions")
PASSWORD_CHANGED = _kind("account.password_changed", "Người dùng đổi mật khẩu", "user tokens sessions")
TOKEN_REVOKED = _kind("account.token_revoked", "Thu hồi mã truy cập API", "user token")
SESSION_REVOKED = _kind("account.session_revoked", "Thu hồi phiên đăng nhập web", "user session")
SIGNED_OUT_EVERYWHERE = _kind("account.signed_out_everywhere", "Đăng xuất mọi nơi (thu hồi mọi phiên và mã truy cập)",
                              "user tokens sessions")
CALENDAR_CHANGED = _kind(
    "calendar.changed", "Điều chỉnh lịch làm việc", "entry day kind name document reason dossiers",
    lambda b, a, c: [f"{a.get('day')}: {CALENDAR_KINDS.get(str(a.get('kind')), a.get('kind'))} — {a.get('name')} "
                     f"({a.get('document')}); {a.get('dossiers', 0)} hồ sơ được tính lại thời hạn"])
DUE_RECOMPUTED = _kind(
    "dossier.due_recomputed", "Tính lại thời hạn do điều chỉnh lịch làm việc", "due_at statutory_due_at tasks day document",
    lambda b, a, c: [f"Ngày {a.get('day')} ({a.get('document')}): hạn trả kết quả {c.local(b.get('due_at'))} → "
                     f"{c.local(a.get('due_at'))}"]
    + [f"Bước {c.step(t.get('step'))}: hạn mới {c.local(t.get('due_at'))}" for t in a.get("tasks", [])])
DECISION_PUBLISHED = _kind("decision.published", "Công bố quyết định", "decision number effective changes")
DEFINITION_DRAFTED = _kind("definition.drafted", "Lưu bản nháp định nghĩa thủ tục", "draft code errors")

# The quality officer's records (issue 10): on the system chain, each names its record.
_NC_FIELDS = "record state title source dossiers step deviation_kind severity cause correction corrective_action owner due_date verification effective reason"
NONCONFORMITY_MOVES = {
    "open": "Ghi nhận điểm không phù hợp",
    "analyse": "Phân tích nguyên nhân, khắc phục tức thời",
    "plan": "Lập hành động khắc phục",
    "implement": "Đã thực hiện hành động khắc phục",
    "verify_effective": "Xác nhận hành động khắc phục hiệu quả; đóng",
    "verify_ineffective": "Hành động khắc phục chưa hiệu quả; lập lại",
    "reject": "Không phải điểm không phù hợp",
}
for _move, _label in NONCONFORMITY_MOVES.items():
    _kind(f"nonconformity.{_move}", _label, _NC_FIELDS)
AUDIT_PLANNED = _kind("internal_audit.planned", "Lập kế hoạch đánh giá nội bộ", "audit title period_from period_to procedures per_procedure auditor")
AUDIT_SAMPLED = _kind("internal_audit.sampled", "Chọn mẫu hồ sơ đánh giá nội bộ", "audit seed dossiers")
AUDIT_FINDING = _kind("internal_audit.finding", "Ghi nhận kết quả đánh giá hồ sơ", "audit sample code finding nonconformity")
TARGET_SET = _kind("quality.target_set", "Đặt mục tiêu chất lượng", "metric procedure_code division target")

# One kind per move of the status machine; fields are what commands add to a move.
_MOVE_FIELDS = "status items reason reasons result"
# Fields a move carries besides those: a supplement's exception and the lateness it found; a closure's period.
_MOVE_EXTRA = {
    "request_supplement": " exception late_by late_since",
    "close_unsupplemented": " notice_at wait_until wait",
    "resolve": " direct signer",  # a refusal: decided directly by the head of the agency; who signs it
}
_MOVES = {
    "receive": "Chuyển trạng thái: tiếp nhận",
    "refuse_intake": "Từ chối tiếp nhận",
    "start_processing": "Chuyển trạng thái: đang xử lý",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "receive_supplement": "Chuyển trạng thái: đã bổ sung",
    "request_payment": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "receive_payment": "Đã thực hiện nghĩa vụ tài chính",
    "request_withdrawal": "Công dân yêu cầu rút hồ sơ",
    "stop": "Dừng xử lý",
    "resolve": "Hoàn thành xử lý",
    "return_result": "Trả kết quả",
    "close_unsupplemented": "Đóng hồ sơ: không bổ sung trong thời hạn",
}
STATUS_MOVES = {move: _kind(f"status.{move}", label, _MOVE_FIELDS + _MOVE_EXTRA.get(move, ""), _status)
                for move, label in _MOVES.items()}
NONCONFORMITIES = frozenset(name for name, kind in EVENTS.items() if kind.nonconformity)


def status_event(move: str) -> EventKind:
    return STATUS_MOVES[move]


def kind_of(name: str) -> EventKind | None:
    return EVENTS.get(name)


def label(name: str) -> str:
    kind = EVENTS.get(name)
    return kind.label if kind else name


def describe(name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, ctx: Context) -> list[str]:
    """The detail lines of one event in the timeline (none for an unknown kind)."""
    kind = EVENTS.get(name)
    return kind.describe(before or {}, after or {}, ctx) if kind else []


__all__ = ["EVENTS", "NONCONFORMITIES", "Context", "EventKind", "describe", "kind_of", "label", "status_event"]
