"""The bell in the staff pages: the count of unread notifications, the page listing them, marking them read."""

from __future__ import annotations

import re

from engine import Actor, dispatch_pending
from engine.sweeps.deadlines import sweep
from tests.api.conftest import web_login
from tests.helpers import APPLICANT, local


def bell(html: str) -> int:
    match = re.search(r'data-testid="bell-count">(\d+)<', html)
    assert match, "no bell in the page"
    return int(match.group(1))


def test_bell_counts_lists_and_marks_read(app, client, services, commands, clock):
    dossier = commands.receive(Actor("desk", "one_stop", "cb-so-y-te"), "1.001806", APPLICANT)
    csrf = web_login(client, "desk")
    assert bell(client.get("/inbox").text) == 0
    clock.set(local(2026, 3, 2, 8, 1))
    sweep(services)
    clock.set(local(2026, 3, 3, 9, 0))  # the intake step (due 17:00 the day before) is overdue
    sweep(services)
    dispatch_pending(services)
    page = client.get("/inbox").text
    assert bell(page) == 2  # near-due, then overdue
    listing = client.get("/notifications?unread=1").text
    assert "Quá hạn: bước" in listing and dossier.code in listing and "Sắp đến hạn" in listing
    ids = re.findall(r'name="id" value="(\d+)"', listing)
    assert len(ids) == 2
    response = client.post("/notifications/read", data={"csrf_token": csrf, "id": ids[0]})
    assert response.status_code == 302
    assert bell(client.get("/inbox").text) == 1
    client.post("/notifications/read", data={"csrf_token": csrf})
    assert bell(client.get("/inbox").text) == 0
    assert "Không có thông báo nào." in client.get("/notifications?unread=1").text
    assert dossier.code in client.get("/notifications").text  # read ones stay listed
    bad = client.post("/notifications/read", data={"csrf_token": csrf, "id": "x"}, follow_redirects=True)
    assert bad.status_code == 200 and "Mã thông báo không hợp lệ" in bad.text
