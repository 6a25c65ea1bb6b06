"""The administrator's console in Debian's Chromium: an account created, its temporary password changed
at the first sign-in, the account locked; an "act as" recorded on a dossier and shown on its timeline."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .test_browser import receive

pytestmark = pytest.mark.browser


def test_console_account_lifecycle_and_act_as(people: Any, browser: Any, server: Any) -> None:
    admin = people("quantri")
    admin.click("[data-testid=admin-link]")
    admin.wait_for_url("**/quan-tri/")
    form = admin.locator("[data-testid=create-user]")
    form.locator("input[name=user_id]").fill("canbo.e2e")
    form.locator("input[name=name]").fill("Triệu Thị Thử")
    form.locator("select[name=role]").select_option("one_stop")
    form.locator("select[name=agency]").select_option("cb-so-y-te")
    form.locator("button[type=submit]").click()
    admin.wait_for_url("**/quan-tri/tai-khoan/canbo.e2e")
    match = re.search(r"chỉ hiện một lần\): (\S+) —", admin.inner_text(".flash"))
    assert match, admin.inner_text(".flash")
    assert "Chờ đổi mật khẩu" in admin.inner_text("[data-testid=account-state]")

    # The new officer signs in with the temporary password and must choose their own first.
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    officer = context.new_page()
    officer.goto(server.url + "/login")
    officer.fill("input[name=username]", "canbo.e2e")
    officer.fill("input[name=password]", match.group(1))
    officer.click("button[type=submit]")
    officer.wait_for_url("**/doi-mat-khau")
    officer.goto(server.url + "/inbox")
    officer.wait_for_url("**/doi-mat-khau")
    officer.fill("input[name=current]", match.group(1))
    officer.fill("input[name=new]", "mat-khau-cua-toi")
    officer.fill("input[name=confirm]", "mat-khau-cua-toi")
    officer.click("[data-testid=change-password] button")
    officer.wait_for_url("**/login")
    officer.fill("input[name=username]", "canbo.e2e")
    officer.fill("input[name=password]", "mat-khau-cua-toi")
    officer.click("button[type=submit]")
    officer.wait_for_url("**/inbox")
    assert "Triệu Thị Thử" in officer.inner_text("[data-testid=current-user]")

    # Locked: out at the next request.
    admin.reload()
    admin.click("[data-testid=deactivate]")
    admin.wait_for_selector("text=Đã khóa tài khoản")
    officer.goto(server.url + "/inbox")
    officer.wait_for_url("**/login**")
    context.close()

    # Act as: an administrator has no action on a dossier until they record why.
    desk = people("motcua")
    code = receive(desk)
    admin.goto(f"{server.url}/dossiers/{code}")
    assert admin.locator("[data-testid=no-actions]").count() == 1
    admin.click("[data-testid=act-as] summary")
    admin.fill("[data-testid=act-as] textarea[name=reason]", "Cán bộ tiếp nhận nghỉ đột xuất, công dân đang chờ")
    admin.click("[data-testid=act-as] button")
    admin.wait_for_selector("text=Đã ghi làm thay")
    entry = admin.locator("[data-testid=timeline] li[data-action='admin.act_as']")
    assert "Cán bộ tiếp nhận nghỉ đột xuất" in entry.inner_text()
    assert admin.locator("[data-testid=no-actions]").count() == 0
