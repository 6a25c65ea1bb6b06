"""Administrative units as agencies: each commune (and, before 1/7/2025, each district) is its own agency.

A procedure names the level's agency (``cb-ubnd-xa``: "UBND cấp xã"); the dossier goes to the one unit
competent for it, so the staff of one commune never see or act on another commune's dossiers (the
access policy works on the dossier's agency). The units come from ``workflows/units.yaml``, generated
from the ``vietnam-provinces`` lists by tools/build_units.py: the two-level list in force from
1/7/2025 and the older three-level list (districts, then communes) for dossiers received before.
"""

from __future__ import annotations

from dataclasses import dataclass
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


def _short(name: str) -> str:
    """'Xã Quảng Lâm' -> 'xã Quảng Lâm' (as it reads after 'UBND')."""
    return name[:1].lower() + name[1:]


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def build_units(data: dict[str, Any], templates: dict[str, Agency]) -> Units:
    """Agencies and competence lists from the parsed units.yaml (``templates``: the level agencies, for divisions)."""
    prefix = data["province"]["prefix"]
    province = data["province"]["name"]
    upper = prefix.upper()
    agencies: list[Agency] = []
    lists: list[UnitList] = []
    for arrangement in data["arrangements"]:
        start, end = _day(arrangement.get("from")), _day(arrangement.get("to"))
        legacy = end is not None
        districts = arrangement.get("districts")
        district_ids: dict[int, str] = {}
        district_names: dict[int, str] = {}
        if districts:
            template = templates.get(districts["stands_for"])
            ids = []
            for unit in districts["units"]:
                agency_id = f"{prefix}-huyen-{unit['code']:03d}"
                district_ids[unit["code"]], district_names[unit["code"]] = agency_id, unit["name"]
                agencies.append(Agency(
                    agency_id, f"UBND {_short(unit['name'])}, tỉnh {province} (chấm dứt hoạt động từ 01/7/2025)",
                    "district", f"{upper}.H{unit['code']:03d}", False, districts["stands_for"],
                    template.divisions if template else (),
                ))
                ids.append(agency_id)
            lists.append(UnitList(districts["stands_for"], start, end, frozenset(ids)))
        communes = arrangement["communes"]
        template = templates.get(communes["stands_for"])
        ids = []
        for unit in communes["units"]:
            if legacy:
                agency_id = f"{prefix}-xa-cu-{unit['code']:05d}"
                district = district_names.get(unit.get("district", -1), "")
                name = f"UBND {_short(unit['name'])}, {_short(district)}, tỉnh {province} (trước 01/7/2025)"
                parent = district_ids.get(unit.get("district", -1), communes["stands_for"])
                eid = f"{upper}.XC{unit['code']:05d}"
            else:
                agency_id = f"{prefix}-xa-{unit['code']:05d}"
                name, parent, eid = f"UBND {_short(unit['name'])}, tỉnh {province}", communes["stands_for"], f"{upper}.X{unit['code']:05d}"
            agencies.append(Agency(agency_id, name, "commune", eid, False, parent, template.divisions if template else ()))
            ids.append(agency_id)
        lists.append(UnitList(communes["stands_for"], start, end, frozenset(ids)))
    return Units(tuple(agencies), tuple(lists))


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
    for key in ("districts", "communes"):
        for arrangement in data["arrangements"]:
            if key in arrangement:
                level = arrangement[key]["stands_for"]
                templates[level] = Agency(level, level, "", "")
    return build_units(data, templates)


def units(workflows_dir: Path | None) -> Units:
    """The competence lists of the configured workflows folder (read once)."""
    return _units((workflows_dir or DEFAULT_WORKFLOWS) / "units.yaml")


__all__ = ["UnitList", "Units", "build_units", "unit_agencies", "units"]
