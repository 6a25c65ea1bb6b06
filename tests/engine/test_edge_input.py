"""Issue 12, input at the edge and permission first, at the engine (SQLite and PostgreSQL).

Every command's strings are checked before anything reaches the database (``engine/textcheck.py``);
the importer and the definition loader check theirs; another agency's dossier or task is "not
found" before any version, state or claim check; a race on one task has one winner and only
conflicts (never a route "not ready" error) for the rest.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Actor, Conflict, InvalidCommand, NotFound
from engine import queries as q
from engine.audit import verify
from engine.bulk import import_dossiers
from engine.definitions.source import SourceError, load_located
from engine.storage.models import AuditEvent, Dossier, OutboxMessage, Task
from engine.textcheck import InvalidText, check, problem
from tests.helpers import AGENCY, APPLICANT, INTAKE_CHECKS, only_task


def _counts(services) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return tuple(session.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (Dossier, AuditEvent, OutboxMessage))


# ---------------------------------------------------------------------- the checker alone

@pytest.mark.parametrize("text,free,wrong", [
    ("Tr\ud800n", False, "surrogate"), ("Trần\x00Văn", False, "NUL"), ("a\x1bb", True, "U+001B"),
    ("dòng 1\ndòng 2", False, "U+000A"), ("a\x7f", True, "U+007F"),
])
def test_the_checker_names_what_is_wrong(text: str, free: bool, wrong: str) -> None:
    assert wrong in (problem(text, free) or "")


@pytest.mark.parametrize("text", ["Trần Văn Bình", "dòng 1\r\ndòng 2\tcột", "😀 emoji, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", ""])
def test_the_checker_lets_good_text_through(text: str) -> None:
    assert problem(text, free=True) is None
    check({"note": text, "reasons": [text]})


def test_the_checker_names_the_field_and_the_rule_of_free_text() -> None:
    with pytest.raises(InvalidText, match=r"'applicant\.name'.*surrogate") as caught:
        check({"applicant": {"name": "Tr\ud800n", "phone": "09"}})
    assert caught.value.http_status == 400 and caught.value.details["field"] == "applicant.name"
    with pytest.raises(InvalidText, match=r"'applicant\.name'.*U\+000A"):
        check({"applicant": {"name": "Trần\nVăn"}})  # a name is one line
    check({"applicant": {"address": "Số 1\nPhường Hợp Giang"}})  # an address may take two
    with pytest.raises(InvalidText, match=r"'reasons\[1\]'"):
        check({"reasons": ["đúng", "sai\x00"]})


# ---------------------------------------------------------------------- commands: nothing saved, the truth told

@pytest.mark.parametrize("applicant", [{**APPLICANT, "name": "Tr\ud800n"}, {**APPLICANT, "name": "Trần\x00Văn"},
                                       {**APPLICANT, "address": "Số 1\x00"}, {**APPLICANT, "phone": "09\x07"}])
def test_a_command_with_bad_text_saves_nothing_and_lists_still_work(services, commands, staff, applicant):  # type: ignore[no-untyped-def]
    """The reported bug: on SQLite 'Tr\\ud800n' was stored, the answer said 500, and every list then failed."""
    commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    before = _counts(services)
    with pytest.raises(InvalidText, match="applicant") as caught:
        commands.receive(staff["one_stop"], "1.001806", applicant)
    assert caught.value.http_status == 400 and isinstance(caught.value, InvalidCommand)
    assert _counts(services) == before
    with services.sessions() as session:
        page = q.dossiers(session, staff["one_stop"], now=services.now())
        assert page.total == 1 and page.items[0]["applicant"]["name"] == APPLICANT["name"]


def test_bad_text_in_a_step_note_or_a_reason_is_refused_and_line_breaks_are_not(services, commands, staff):  # type: ignore[no-untyped-def]
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    with pytest.raises(InvalidText, match="'note'"):
        commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS, note="ghi chú\x00")
    with pytest.raises(InvalidText, match=r"'reasons\[0\]'"):
        commands.refuse(staff["one_stop"], dossier.code, ["lý do \ud83d"])
    commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS, note="dòng 1\ndòng 2\tcột")


# ---------------------------------------------------------------------- the importer and the definitions

def test_the_importer_reports_bad_text_by_line_and_loads_nothing(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    row = {"code": "OLD-1", "procedure": "1.001806", "applicant": {"name": "Trần Văn Bình"}, "channel": "direct",
           "received": "2025-12-01T08:30:00+07:00", "due": "2025-12-15T17:00:00+07:00", "status": "returned",
           "resolved": "2025-12-10T10:00:00+07:00", "returned": "2025-12-11T09:00:00+07:00"}
    bad = {**row, "code": "OLD-2", "applicant": {"name": "Tr\ud800n"}}
    path = tmp_path / "export.jsonl"
    path.write_text(json.dumps(row) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")  # ASCII: the escape "\ud800"
    before = _counts(services)
    report = import_dossiers(services, path)
    assert [(p.line, p.code) for p in report.problems] == [(2, "OLD-2")], report.problems
    assert "applicant.name" in str(report.problems[0]) and "surrogate" in str(report.problems[0])
    assert _counts(services) == before
    csv = tmp_path / "export.csv"  # bytes that are not UTF-8: reported with their line, not a traceback
    csv.write_bytes("code,procedure,applicant\nOLD-3,1.001806,Tr\xe1\xba\xa7n\n".encode("latin-1") + b"OLD-4,1.001806,Tr\xff\xfen\n")
    report = import_dossiers(services, csv)
    assert 3 in [p.line for p in report.problems] and report.loaded == 0


@pytest.mark.parametrize("escape", ["\\0", "\\ud800", "\\x1b"])
def test_a_definition_with_bad_text_is_a_located_error(escape: str) -> None:
    text = f'code: "1.001806"\nname: "Thủ tục {escape}"\n'
    with pytest.raises(SourceError) as caught:
        load_located(text, "thu-tuc.yaml")
    # libyaml refuses a surrogate escape itself; a NUL or ESC escape is ours to refuse: both at file:line:col
    assert re.match(r"thu-tuc\.yaml:2:\d+: (giá trị chứa|YAML không hợp lệ)", str(caught.value)), str(caught.value)


def test_a_key_with_bad_text_is_a_located_error() -> None:
    with pytest.raises(SourceError, match=r"^thu-tuc\.yaml:2:1: khóa chứa"):
        load_located('code: "1.001806"\n"na\\0me": "Thủ tục"\n', "thu-tuc.yaml")


# ---------------------------------------------------------------------- permission before anything else

def test_another_agencys_task_is_not_found_before_its_state_or_claim(services, commands, staff):  # type: ignore[no-untyped-def]
    """Issue 12: a 409 used to name the dossier code and the staff member to someone of another agency."""
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    stranger = Actor("motcua_noivu", "one_stop", "cb-so-noi-vu")
    commands.claim(staff["one_stop"], task.id)
    for act in (lambda: commands.claim(stranger, task.id),
                lambda: commands.complete(stranger, task.id, None, INTAKE_CHECKS, expected_version=1)):
        with pytest.raises(NotFound) as caught:
            act()
        assert caught.value.message == f"Không có việc #{task.id}.", caught.value.message
    commands.complete(staff["one_stop"], task.id, None, INTAKE_CHECKS)
    with pytest.raises(NotFound) as caught:  # completed: still nothing about it (not who completed it)
        commands.complete(stranger, task.id, None, INTAKE_CHECKS)
    assert dossier.code not in caught.value.message and "one_stop1" not in caught.value.message
    with pytest.raises(NotFound) as missing:
        commands.claim(stranger, 2**31 - 1)
    assert missing.value.message == "Không có việc #2147483647."
    with pytest.raises(NotFound, match=f"^Không có hồ sơ mã {dossier.code}.$"):  # as for a code that does not exist
        commands.withdraw(stranger, dossier.code, "rút")
    with pytest.raises(Conflict, match="one_stop1"):  # the agency's own staff still learn who did it
        commands.complete(Actor("one_stop2", "one_stop", AGENCY), task.id, None, INTAKE_CHECKS)


def test_a_wrong_role_of_the_same_agency_is_forbidden_before_the_version(services, commands, staff):  # type: ignore[no-untyped-def]
    from engine import Forbidden

    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    with pytest.raises(Forbidden):
        commands.complete(staff["specialist"], task.id, None, INTAKE_CHECKS, expected_version=99)


RACERS = 150


@pytest.mark.parametrize("move", ["complete", "claim"])
def test_racers_on_one_task_one_wins_the_rest_conflict(services, commands, staff, move):  # type: ignore[no-untyped-def]
    """150 threads complete (or claim) one step at once: exactly one wins, every other gets a conflict (409), never an
    error of the route (on PostgreSQL the loser used to read the winner's route state: RouteStateError, 500)."""
    dossier = commands.receive(staff["one_stop"], "1.001806", APPLICANT)
    task = only_task(services, dossier.id, "intake")
    start = threading.Barrier(RACERS, timeout=60)
    results: list[object] = []

    def race(number: int) -> None:
        actor = Actor(f"racer{number}", "one_stop", AGENCY)
        start.wait()
        try:
            if move == "complete":
                results.append(commands.complete(actor, task.id, None, INTAKE_CHECKS))
            else:
                results.append(commands.claim(actor, task.id))
        except Exception as exc:  # noqa: BLE001
            results.append(exc)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    winner = Dossier if move == "complete" else Task
    kinds = sorted({type(r).__name__ for r in results})
    assert len(results) == RACERS and kinds == sorted(["Conflict", winner.__name__]), \
        [r for r in results if not isinstance(r, Conflict)][:3]
    assert sum(isinstance(r, winner) for r in results) == 1
    event = "step.completed" if move == "complete" else "task.claimed"
    with services.sessions() as session:
        done = session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.dossier_id == dossier.id, AuditEvent.action == event)).scalar_one()
        assert done == 1 and list(verify(session)) == []
        assert session.execute(select(Task.claimed_by).where(Task.id == task.id)).scalar_one().startswith("racer")


@pytest.mark.parametrize("args", [["import", "dossiers", "export\udcff.csv"], ["validate", "thu-tuc\x1b.yaml"],
                                  ["compute-due", "1.001806", "--note", "a\x00b"]])
def test_the_command_line_refuses_bad_text_before_any_command(args: list[str]) -> None:
    """A shell hands bytes that are not UTF-8 to Python as lone surrogates: refused before a command runs."""
    from click.testing import CliRunner

    from api.cli import cli

    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "Tham số thứ" in result.output, result.output
