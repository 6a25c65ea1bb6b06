"""The scheduler through the browser: the division head assigns the specialist at "phân công"; after the
clock is advanced and the scheduler's sweep runs, the specialist sees a near-due warning and the division
head an overdue escalation under the bell; the applicant's receipt e-mail arrives at a real SMTP server, and so
does the specialist's warning once they gave an address on their account page."""

from __future__ import annotations

from typing import Any

import pytest

from engine import dispatch_pending
from engine.sweeps.deadlines import sweep
from tests.conftest import local
from tests.e2e.test_browser import act, open_dossier
from tests.handlers.test_notify_channels import smtp  # noqa: F401  (fixture: a real SMTP server)

pytestmark = pytest.mark.browser


def receive_with_email(page: Any, email: str) -> str:
    """At the desk, as tests/e2e/test_browser.receive, with the applicant's e-mail address."""
    page.click("text=Tiếp nhận hồ sơ")
    page.fill("input[data-filter]", "nguoi khuyet tat")
    page.click("#procedure-list li:visible a:has-text('1.001806')")
    page.fill("input[name=applicant_name]", "Nguyễn Văn An")
    page.fill("input[name=applicant_phone]", "0912345678")
    page.fill("input[name=applicant_email]", email)
    page.fill("input[name=other_name_1]", "Văn bản đề nghị công nhận")
    page.click("[data-testid=receive]")
    page.wait_for_url("**/forms/*")
    return str(page.inner_text("[data-testid=slip-code]"))


def run_scheduler(server: Any, at: Any) -> None:
    """What `motcua scheduler` does on its timer, at the server's (fixed) time."""
    server.set_time(at)
    sweep(server.services)
    dispatch_pending(server.services)


def bell(page: Any) -> int:
    page.reload()
    return int(page.inner_text("[data-testid=bell-count]"))


def test_warning_escalation_and_applicant_email(people: Any, server: Any, smtp: Any) -> None:  # noqa: F811
    desk = people("motcua")
    code = receive_with_email(desk, "an.nguyen@example.vn")
    run_scheduler(server, local(2026, 3, 2, 8, 1))  # the worker sends the receipt e-mail; the sweep arms the alarms
    mails = [m for m in smtp.messages if code in m["Subject"]]
    assert [m["Subject"] for m in mails] == [f"Hồ sơ {code} đã được tiếp nhận"]
    assert mails[0]["To"] == "an.nguyen@example.vn" and "16/03/2026" in mails[0].get_content()

    open_dossier(desk, server, code)
    act(desk, "done")  # intake
    head = people("truongphong")
    open_dossier(head, server, code)
    box = head.locator(".task-action").first
    options = box.locator("select[data-testid=assignee] option").all_inner_texts()
    assert any("Trần Văn Bình — đang xử lý" in o for o in options)
    box.locator("select[data-testid=assignee]").select_option("chuyenvien")
    box.locator("button[data-outcome]").first.click()
    head.wait_for_selector(".flash.success")
    specialist = people("chuyenvien")
    specialist.click("text=Việc tôi đang xử lý")
    assert code in specialist.inner_text("[data-testid=inbox]")  # assigned: it is theirs
    # The specialist gives an e-mail address on their account page: warnings then come by mail too.
    specialist.click("[data-testid=current-user]")
    specialist.fill("[data-testid=own-email] input[name=email]", "binh.tran@caobang.gov.vn")
    specialist.click("[data-testid=own-email] button")
    specialist.wait_for_selector("text=Đã lưu thư điện tử: binh.tran@caobang.gov.vn")
    run_scheduler(server, local(2026, 3, 2, 8, 2))
    before_specialist, before_head = bell(specialist), bell(head)

    # The appraisal (7 working days from Monday 08:00) has 20% of its time left from Tuesday 10 March.
    run_scheduler(server, local(2026, 3, 10, 14, 0))
    assert bell(specialist) > before_specialist
    specialist.click("[data-testid=bell]")
    warning = specialist.locator(f"li.notice[data-code='{code}'][data-kind='step.near_due']")
    assert warning.count() == 1 and "Sắp đến hạn" in warning.inner_text()
    assert head.locator(f"li.notice[data-code='{code}']").count() == 0
    to_specialist = [m for m in smtp.messages if m["To"] == "binh.tran@caobang.gov.vn" and code in m["Subject"]]
    assert [m["Subject"].split(":")[0] for m in to_specialist] == ["Sắp đến hạn"] and code in to_specialist[0]["Subject"]

    # Past the step's due time: the division head is told (and the specialist).
    run_scheduler(server, local(2026, 3, 12, 9, 0))
    assert bell(head) > before_head
    head.click("[data-testid=bell]")
    escalation = head.locator(f"li.notice[data-code='{code}'][data-kind='step.overdue']")
    assert escalation.count() == 1 and "Quá hạn" in escalation.inner_text()
    escalation.locator("text=Mở hồ sơ").click()
    head.wait_for_url(f"**/dossiers/{code}")
