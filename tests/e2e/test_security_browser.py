"""In Chromium (issue 12): the Content-Security-Policy blocks what is not the pages' own, the pages still work under
it, and the session cookie as the browser keeps it (HttpOnly, SameSite=Lax) dies with a logout."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_browser import receive


def test_the_policy_blocks_an_injected_inline_script_and_the_watch_sees_it(people: Any, browser: Any) -> None:
    desk = people("motcua")
    desk.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                            document.body.appendChild(s); }""")
    desk.wait_for_timeout(200)
    assert desk.evaluate("() => window.injected") is None  # blocked
    assert any("Content Security Policy" in v for v in browser.violations)
    browser.violations.clear()  # seen: this test's own injection, not a page's fault


def test_pages_with_scripts_work_under_the_policy(people: Any, server: Any) -> None:
    """The diagram (bpmn-js, served locally), the filters and a print button: no violation (checked by the fixture)."""
    desk = people("motcua")
    code = receive(desk)  # the receipt slip, with its QR code and its print button (no inline onclick)
    desk.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    desk.click("[data-print]")
    assert desk.evaluate("() => window.printed") == 1
    desk.goto(f"{server.url}/dossiers/{code}")
    desk.wait_for_selector("#diagram[data-rendered]")
    assert desk.locator("#diagram svg").count() >= 1
    desk.goto(server.url + "/tai-khoan")
    assert "Phiên đăng nhập web" in desk.inner_text("main")


def test_the_cookie_is_httponly_lax_and_a_logout_kills_it(people: Any, server: Any, browser: Any) -> None:
    desk = people("motcua")
    [cookie] = [c for c in desk.context.cookies() if c["name"] == "session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # plain http here
    assert desk.evaluate("() => document.cookie") == ""  # scripts cannot read it
    desk.click("text=Đăng xuất")
    desk.wait_for_url("**/login")
    replay = browser.new_context()
    replay.add_cookies([cookie])
    page = replay.new_page()
    page.goto(server.url + "/inbox")
    assert page.url.startswith(server.url + "/login")
    replay.close()
