"""Administrative units as agencies: each commune (and, before 1/7/2025, each district) is its own agency.

A procedure names the level's agency (``cb-ubnd-xa``: "UBND cấp xã"); the dossier goes to the one unit
competent for it, so the staff of one commune never see or act on another commune's dossiers (the
access policy works on the dossier's agency). The units come from ``workflows/units.yaml``, generated
from the ``vietnam-provinces`` lists by tools/build_units.py, for each province of the catalogue: the
two-level list in force from 1/7/2025 and the older three-level list (districts, then communes) for
dossiers received before, whose old communes name their successors (the Statistics Office's
conversion table). A district's candidates are its communes' successors; the dossiers of ended units
move to them with the decision that ends the district level (engine/decisions/successions.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .definitions.catalog import Agency
from .definitions.source import read_yaml

DEFAULT_WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"


@dataclass(frozen=True)
class UnitList:
    """The units that hold a level's competence during a period (``stands_for``: the level's agency)."""

    stands_for: str
    start: date | None
    end: date | None
    ids: frozenset[str]
    # For a list that ended: each unit -> the units of the next list that took it over (data, never guessed).
    successors: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)
    source: str = ""

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Units:
    agencies: tuple[Agency, ...] = ()
    lists: tuple[UnitList, ...] = ()

    def competent(self, stands_for: str, day: date) -> frozenset[str] | None:
        """The units that may be competent for a procedure of ``stands_for`` on ``day`` (None: it is not a level)."""
        for unit_list in self.lists:
            if unit_list.stands_for == stands_for and unit_list.covers(day):
                return unit_list.ids
        return None

    def levels_of(self, agencies: Iterable[str | None], day: date) -> list[str]:
        """Which of ``agencies`` (the agencies a route's steps name) are levels with a list in force on ``day``."""
        return sorted({a for a in agencies if a and self.competent(a, day) is not None})

    def ended(self, stands_for: str, day: date) -> list[UnitList]:
        """The lists of the level ``stands_for`` that ended before ``day`` (their units are abolished)."""
        return [u for u in self.lists if u.stands_for == stands_for and u.end is not None and u.end < day]

    def successors(self, agency_id: str) -> tuple[str, ...] | None:
        """The units that took over an abolished unit (None: ``agency_id`` is not an abolished unit)."""
        for unit_list in self.lists:
            if agency_id in unit_list.successors:
                return unit_list.successors[agency_id]
        return None

    def source_of(self, agency_id: str) -> str:
        """Where the successors of an abolished unit come from (the lists' source), for the audit's legal basis."""
        return next((u.source for u in self.lists if agency_id in u.successors), "")


def _short(name: str) -> str:
    """'Xã Quảng Lâm' -> 'xã Quảng Lâm' (as it reads after 'UBND')."""
    return name[:1].lower() + name[1:]


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _provinces(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["provinces"] if "provinces" in data else [data["province"] | {"arrangements": data["arrangements"]}]


def build_units(data: dict[str, Any], templates: dict[str, Agency]) -> Units:
    """Agencies and competence lists from the parsed units.yaml (``templates``: the level agencies, for divisions)."""
    agencies: list[Agency] = []
    lists: list[UnitList] = []
    for province_data in _provinces(data):
        found_agencies, found_lists = _province_units(province_data, templates)
        agencies += found_agencies
        lists += found_lists
    return Units(tuple(agencies), tuple(lists))


def _province_units(data: dict[str, Any], templates: dict[str, Agency]) -> tuple[list[Agency], list[UnitList]]:
    prefix, province = data["prefix"], data["name"]
    upper = prefix.upper()
    agencies: list[Agency] = []
    lists: list[UnitList] = []
    current_commune_ids = {
        unit["code"]: f"{prefix}-xa-{unit['code']:05d}"
        for arrangement in data["arrangements"] if arrangement.get("to") is None for unit in arrangement["communes"]["units"]
    }
    for arrangement in data["arrangements"]:
        start, end = _day(arrangement.get("from")), _day(arrangement.get("to"))
        legacy = end is not None
        source = str(arrangement.get("successors") or arrangement.get("source") or "")
        districts = arrangement.get("districts")
        district_ids: dict[int, str] = {}
        district_names: dict[int, str] = {}
        district_successors: dict[str, set[str]] = {}
        if districts:
            template = templates.get(districts["stands_for"])
            for unit in districts["units"]:
                agency_id = f"{prefix}-huyen-{unit['code']:03d}"
                district_ids[unit["code"]], district_names[unit["code"]] = agency_id, unit["name"]
                district_successors[agency_id] = set()
                agencies.append(Agency(
                    agency_id, f"UBND {_short(unit['name'])}, tỉnh {province} (chấm dứt hoạt động từ 01/7/2025)",
                    "district", f"{upper}.H{unit['code']:03d}", False, districts["stands_for"],
                    template.divisions if template else (),
                ))
        communes = arrangement["communes"]
        template = templates.get(communes["stands_for"])
        ids = []
        commune_successors: dict[str, tuple[str, ...]] = {}
        for unit in communes["units"]:
            if legacy:
                agency_id = f"{prefix}-xa-cu-{unit['code']:05d}"
                district = district_names.get(unit.get("district", -1), "")
                name = f"UBND {_short(unit['name'])}, {_short(district)}, tỉnh {province} (trước 01/7/2025)"
                parent = district_ids.get(unit.get("district", -1), communes["stands_for"])
                eid = f"{upper}.XC{unit['code']:05d}"
                after = tuple(current_commune_ids[c] for c in unit.get("successors", ()) if c in current_commune_ids)
                commune_successors[agency_id] = after
                if parent in district_successors:
                    district_successors[parent].update(after)
            else:
                agency_id = f"{prefix}-xa-{unit['code']:05d}"
                name, parent, eid = f"UBND {_short(unit['name'])}, tỉnh {province}", communes["stands_for"], f"{upper}.X{unit['code']:05d}"
            agencies.append(Agency(agency_id, name, "commune", eid, False, parent, template.divisions if template else ()))
            ids.append(agency_id)
        if districts:
            lists.append(UnitList(districts["stands_for"], start, end, frozenset(district_ids.values()),
                                  {d: tuple(sorted(s)) for d, s in district_successors.items()} if legacy else {}, source))
        lists.append(UnitList(communes["stands_for"], start, end, frozenset(ids), commune_successors, source))
    return agencies, lists


@lru_cache(maxsize=8)
def _read(path: Path) -> dict[str, Any] | None:
    return read_yaml(path) if path.exists() else None


def unit_agencies(root: Path, templates: dict[str, Agency]) -> tuple[Agency, ...]:
    """The generated agencies of ``root``/units.yaml (none without the file)."""
    data = _read(root / "units.yaml")
    return build_units(data, templates).agencies if data else ()


@lru_cache(maxsize=8)
def _units(path: Path) -> Units:
    data = _read(path)
    if not data:
        return Units()
    templates = {}
    for province_data in _provinces(data):
        for arrangement in province_data["arrangements"]:
            for key in ("districts", "communes"):
                if key in arrangement:
                    level = arrangement[key]["stands_for"]
                    templates[level] = Agency(level, level, "", "")
    return build_units(data, templates)


def units(workflows_dir: Path | None) -> Units:
    """The competence lists of the configured workflows folder (read once)."""
    return _units((workflows_dir or DEFAULT_WORKFLOWS) / "units.yaml")


__all__ = ["UnitList", "Units", "build_units", "unit_agencies", "units"]
