"""What applying a decision does, told to the analyst: one change per procedure, and the report's lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Decision

CHANGE_LABELS = {
    "added": "thêm mới",
    "changed": "phiên bản mới",
    "abolished": "bãi bỏ",
    "moved": "chuyển thẩm quyền",
    "unchanged": "không đổi",
}


@dataclass
class Change:
    """What applying a decision does to one procedure."""

    kind: str  # added | changed | abolished | moved | unchanged
    code: str
    name: str
    agency: str
    from_agency: str | None = None
    version: int | None = None
    in_progress: int = 0  # dossiers in progress of this procedure (of the old agency, for a transfer)
    dossiers: str = ""  # for transfers: move | keep

    def describe(self) -> str:
        label = CHANGE_LABELS[self.kind]
        what = f"{self.code} {self.name[:70]}"
        if self.kind == "moved":
            action = "chuyển sang" if self.dossiers == "move" else "tiếp tục giải quyết tại"
            who = self.to_label()
            tail = f"; {self.in_progress} hồ sơ đang giải quyết {action} {who if self.dossiers == 'move' else self.from_agency}"
            return f"{label}: {what} ({self.from_agency} → {self.agency}){tail}"
        if self.kind == "abolished":
            return f"{label}: {what}; {self.in_progress} hồ sơ đang giải quyết tiếp tục đến khi xong, không nhận hồ sơ mới"
        if self.kind == "changed":
            return f"{label}: {what} (v{self.version}); {self.in_progress} hồ sơ đang giải quyết giữ phiên bản cũ"
        if self.kind == "added":
            return f"{label}: {what} (v{self.version}, {self.agency})"
        return f"{label}: {what}"

    def to_label(self) -> str:
        return self.agency


@dataclass
class Report:
    decision: Decision
    changes: list[Change] = field(default_factory=list)
    already_applied: bool = False
    dry_run: bool = False
    moved_dossiers: list[str] = field(default_factory=list)
    pending_transfer: bool = False
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.kind] = out.get(c.kind, 0) + 1
        return out

    def lines(self) -> list[str]:
        d = self.decision
        head = f"Quyết định {d.number or '(không có số hiệu trong dữ liệu)'} — {d.title} [{d.id}] (hiệu lực {d.effective_label()})"
        if self.already_applied:
            return [head, "đã áp dụng trước đây; không thay đổi gì"]
        verb = "sẽ" if self.dry_run else "đã"
        counts = self.counts()
        summary = ", ".join(f"{n} {CHANGE_LABELS[k]}" for k, n in counts.items()) or "không thay đổi"
        lines = [head, f"{verb} áp dụng: {summary}"]
        lines += ["  " + c.describe() for c in self.changes if c.kind != "unchanged"]
        lines += ["  cảnh báo: " + w for w in self.warnings]
        if self.moved_dossiers:
            lines.append(f"  đã chuyển {len(self.moved_dossiers)} hồ sơ: {', '.join(self.moved_dossiers[:20])}{' …' if len(self.moved_dossiers) > 20 else ''}")
        if self.pending_transfer:
            lines.append("  việc chuyển hồ sơ đang giải quyết sẽ chạy khi quyết định có hiệu lực (motcua publish --due)")
        return lines
