"""The access policy as pages ask it: which dossier-level actions to offer whom."""

from __future__ import annotations

from types import SimpleNamespace

from engine.policy import Actor, allowed_actions

AGENCY = "cb-so-y-te"
DIVISIONS = {(AGENCY, "btxh-tre-em"): "Phòng Bảo trợ xã hội và Trẻ em", (AGENCY, "van-phong"): "Văn phòng Sở"}


def division_name(agency: str, division: str) -> str | None:
    return DIVISIONS.get((agency, division))


def dossier(status: str = "processing", extended_at: object = None) -> SimpleNamespace:
    return SimpleNamespace(code="X-1", agency_id=AGENCY, receiving_agency_id=AGENCY, status=status, extended_at=extended_at)


SPECIALIST = Actor("cv", "specialist", AGENCY, unit="btxh-tre-em")


def test_a_division_acts_only_while_the_dossier_is_at_its_step():
    at_own = allowed_actions(SPECIALIST, dossier(), [(AGENCY, "btxh-tre-em")], division_name)
    assert at_own["extend"] and at_own["request_supplement"]
    assert not at_own["refuse"]  # a specialist proposes a refusal on the route; only the director refuses directly
    elsewhere = allowed_actions(SPECIALIST, dossier(), [(AGENCY, "van-phong")], division_name)
    assert not any(elsewhere.values())
    # A division the agency does not declare (left by a transfer of competence) binds no one.
    undeclared = allowed_actions(SPECIALIST, dossier(), [(AGENCY, "da-giai-the")], division_name)
    assert undeclared["request_supplement"]


def test_statuses_roles_and_the_single_apology():
    desk = Actor("mc", "one_stop", AGENCY)
    waiting = allowed_actions(desk, dossier("awaiting_supplement"), [], division_name)
    assert waiting["receive_supplement"] and not waiting["refuse"] and not waiting["return_result"]
    assert not allowed_actions(desk, dossier(extended_at="2026-03-02"), [], division_name)["extend"]
    resolved = allowed_actions(desk, dossier("resolved"), [], division_name)
    assert resolved["return_result"] and not resolved["withdraw"]
    assert not allowed_actions(desk, dossier("resolved"), [], division_name, actionable_return=True)["return_result"]


def test_read_only_roles_and_other_agencies_get_no_action():
    quality = Actor("iso", "quality_officer", AGENCY)
    assert not any(allowed_actions(quality, dossier(), [], division_name).values())
    outsider = Actor("cv2", "specialist", "cb-so-noi-vu")
    assert not any(allowed_actions(outsider, dossier(), [], division_name).values())
