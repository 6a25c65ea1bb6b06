"""Browser tests: the real app served on 127.0.0.1 (a free port, in a thread) over a temporary SQLite file,
driven by Debian's Chromium through Playwright (no browser download).

The server's clock is a FixedClock the tests set, so due times on the slips are known to the minute.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import WORKFLOWS, local

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
START = local(2026, 3, 2, 8, 0)  # Monday 02/03/2026 08:00


class Server:
    def __init__(self, url: str, clock: Any, services: Any) -> None:
        self.url, self.clock, self.services = url, clock, services

    def set_time(self, at: datetime) -> None:
        self.clock.set(at)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import handlers  # noqa: F401
    from api import create_app
    from api.demo import DIVISION, seed_accounts
    from engine import FixedClock, Services, Settings, WorkingCalendar
    from engine.catalogue_sync import sync_catalog
    from engine.definitions import load_catalog
    from engine.storage.accounts import upsert_user
    from engine.storage.db import make_engine, migrate, session_factory

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'motcua.sqlite3'}")
    migrate(engine)
    clock = FixedClock(START)
    with session_factory(engine)() as session:
        sync_catalog(session, load_catalog(WORKFLOWS), local(2025, 1, 1, 8, 0))
        session.commit()
    services = Services(session_factory(engine), WorkingCalendar.from_yaml(WORKFLOWS / "calendar.yaml"), clock,
                        Settings(allow_unconfirmed=True))
    seed_accounts(services)
    with services.sessions() as session:  # a second division head, for the two-browsers conflict
        upsert_user(session, "truongphong2", "Đinh Văn Sơn", "division_head", "cb-so-y-te", "motcua2026", clock.now(),
                    DIVISION)
        session.commit()
    # Served like production (the key is checked), with a key generated per run; sessions as long as a
    # test's moves of the clock (tests/api/test_sessions.py checks the real limits).
    app = create_app({"SECRET_KEY": secrets.token_urlsafe(48), "SECRET_KEY_REQUIRED": True,
                      "PERMANENT_SESSION_LIFETIME": timedelta(days=400), "SESSION_IDLE_TIMEOUT": timedelta(days=400)},
                     services=services)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield Server(f"http://127.0.0.1:{http.server_port}", clock, services)
    http.shutdown()
    engine.dispose()


class Watched:
    """The browser, with every context it opens reporting Content-Security-Policy violations to ``violations``
    (Chromium logs each blocked script, style or frame as a console error)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def watch(self, context: Any) -> Any:
        context.on("console", self._console)
        return context

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"{message.location.get('url', '')}: {message.text}")

    def new_context(self, **kwargs: Any) -> Any:
        return self.watch(self._browser.new_context(**kwargs))

    def new_page(self, **kwargs: Any) -> Any:
        page = self._browser.new_page(**kwargs)
        self.watch(page.context)
        return page


@pytest.fixture(scope="session")
def browser() -> Iterator[Watched]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("Chromium is missing: run `bash .ci/browser-deps` (Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield Watched(chromium)
        chromium.close()


@pytest.fixture(autouse=True)
def no_csp_violation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test fails if a page broke the Content-Security-Policy (an inline script or style, another origin)."""
    if "browser" not in request.fixturenames and "people" not in request.fixturenames:
        yield
        return
    watched: Watched = request.getfixturevalue("browser")
    watched.violations.clear()
    yield
    found, watched.violations[:] = list(watched.violations), []
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.fixture
def people(browser: Any, server: Server) -> Iterator[Any]:
    """people('motcua') -> a logged-in page of its own browser context (own cookies)."""
    server.set_time(START)
    contexts = []

    def open_as(username: str) -> Any:
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.goto(server.url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", "motcua2026")
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox")
        return page

    yield open_as
    for context in contexts:
        context.close()
