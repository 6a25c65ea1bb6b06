"""Every Vietnamese label of the engine's words, in one place.

Codes stay English (``engine.vocabulary``); what a user reads comes from here:
the staff pages, the public pages, the slips, the API's ``*_label`` fields.
Event descriptions live with their events (``engine.events``).
"""

from __future__ import annotations

from .vocabulary import Channel, Result, Role, Status, TaskState, Timeliness

UNCONFIRMED = "đang cập nhật"

# status -> (number on the national portal, label)
STATUSES: dict[str, tuple[int, str]] = {
    Status.REGISTERED: (1, "Mới đăng ký"),
    Status.RECEIVED: (2, "Đã tiếp nhận"),
    Status.NOT_RECEIVED: (3, "Không được tiếp nhận"),
    Status.PROCESSING: (4, "Đang xử lý"),
    Status.AWAITING_SUPPLEMENT: (5, "Chờ bổ sung hồ sơ"),
    Status.AWAITING_PAYMENT: (6, "Chờ thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWAL_REQUESTED: (7, "Công dân yêu cầu rút hồ sơ"),
    Status.STOPPED: (8, "Dừng xử lý"),
    Status.RESOLVED: (9, "Đã xử lý xong"),
    Status.RETURNED: (10, "Đã trả kết quả"),
    # The portal's list (LEGAL.md §6) has no status of its own for a closure; the nearest is 8 (stopped) [Open].
    Status.CLOSED: (8, "Đóng hồ sơ (không bổ sung trong thời hạn)"),
}

ROLES: dict[str, str] = {
    Role.ONE_STOP: "Cán bộ một cửa",
    Role.SPECIALIST: "Chuyên viên",
    Role.DIVISION_HEAD: "Lãnh đạo phòng",
    Role.DIRECTOR: "Lãnh đạo cơ quan",
    Role.CLERK: "Văn thư",
    Role.QUALITY_OFFICER: "Cán bộ ISO / pháp chế",
    Role.ANALYST: "Cán bộ kiểm soát TTHC",
    Role.ADMINISTRATOR: "Quản trị hệ thống",
}
SYSTEM_LABEL = "Hệ thống"

CHANNELS: dict[str, str] = {Channel.DIRECT: "Trực tiếp", Channel.POSTAL: "Bưu chính công ích", Channel.ONLINE: "Trực tuyến"}
TASK_STATES: dict[str, str] = {
    TaskState.OPEN: "Đang chờ xử lý", TaskState.WAITING: "Tạm dừng chờ bổ sung",
    TaskState.COMPLETED: "Đã xong", TaskState.CANCELLED: "Đã hủy",
}
TIMELINESS: dict[str, str] = {Timeliness.EARLY: "Trước hạn", Timeliness.ON_TIME: "Đúng hạn", Timeliness.LATE: "Quá hạn"}
RESULTS: dict[str, str] = {Result.APPROVED: "Giải quyết (chấp thuận)", Result.REFUSED: "Từ chối giải quyết"}
LEVELS: dict[str, str] = {"central": "Trung ương", "province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
# The national portal's wording for a procedure's online service level.
ONLINE_MODES: dict[str, str] = {"full": "Toàn trình", "partial": "Một phần", "none": "Không cung cấp trực tuyến"}
OUTCOMES: dict[str, str] = {
    "done": "Hoàn thành",
    "propose_approval": "Đề xuất phê duyệt",
    "propose_refusal": "Đề xuất từ chối",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "agree": "Đồng ý, trình ký",
    "approve": "Phê duyệt",
    "sign": "Ký duyệt",
    "send_back": "Trả lại bước trước",
    "reject": "Không đồng ý",
}


def status_label(status: str) -> str:
    return STATUSES[status][1] if status in STATUSES else status


def role_label(role: str) -> str:
    return ROLES.get(role, SYSTEM_LABEL if role == Role.SYSTEM else role)


__all__ = [
    "CHANNELS", "LEVELS", "ONLINE_MODES", "OUTCOMES", "RESULTS", "ROLES", "STATUSES", "SYSTEM_LABEL", "TASK_STATES",
    "TIMELINESS", "UNCONFIRMED", "role_label", "status_label",
]
