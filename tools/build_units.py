"""Write workflows/units.yaml: the demo province's communes (and, before 1/7/2025, districts) as agencies.

    python tools/build_units.py --current CURRENT.json --legacy LEGACY.json

A maintainer's tool, run once per new release of the lists; ``make test`` and the app use only the
committed workflows/units.yaml. The lists come from the ``vietnam-provinces`` package (the
administrative units and codes of the National Statistics Office):

* ``--current``: ``nested-divisions.json`` of vietnam-provinces >= 2025.8 (two levels, province →
  commune/ward: the arrangement in force from 1/7/2025, 34 provinces);
* ``--legacy``: ``nested-divisions.json`` of vietnam-provinces 0.6.0 (data of 2025-01-04; three levels,
  province → district → commune: the arrangement before 1/7/2025, 63 provinces). The two releases
  cannot be installed side by side (one module name): install each in a scratch virtualenv and pass
  its ``vietnam_provinces.NESTED_DIVISIONS_JSON_PATH``.

Each unit becomes an agency whose staff see only its own dossiers (engine/units.py). Nothing else is
invented: names and codes are the list's; the electronic IDs (mã định danh) are not in the lists, so
each agency gets a provisional one built from the unit's code, marked unconfirmed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "workflows" / "units.yaml"
PROVINCE = "Cao Bằng"
MARKER = "# Tệp sinh tự động: tools/build_units.py. Không sửa tay."


def _province(data: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(p for p in data if p["name"].removeprefix("Tỉnh ").strip() == name)


def _unit(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "name": item["name"]}


def build(current: list[dict[str, Any]], legacy: list[dict[str, Any]], current_version: str, legacy_version: str) -> str:
    new, old = _province(current, PROVINCE), _province(legacy, PROVINCE)
    data = {
        "province": {"code": new["code"], "name": PROVINCE, "prefix": "cb"},
        "arrangements": [
            {
                "id": "2025", "from": "2025-07-01",
                "source": f"vietnam-provinces {current_version} (hai cấp: tỉnh → xã, phường; sau sắp xếp 2025)",
                # the agency a procedure names for the level -> the units that hold that competence
                "communes": {"stands_for": "cb-ubnd-xa", "units": [_unit(w) for w in new["wards"]]},
            },
            {
                "id": "2024", "to": "2025-06-30",
                "source": f"vietnam-provinces {legacy_version} (ba cấp: tỉnh → huyện → xã; trước 01/7/2025)",
                "districts": {"stands_for": "cb-ubnd-huyen", "units": [_unit(d) for d in old["districts"]]},
                "communes": {"stands_for": "cb-ubnd-xa", "units": [
                    _unit(w) | {"district": d["code"]} for d in old["districts"] for w in d["wards"]
                ]},
            },
        ],
    }
    head = (f"{MARKER}\n# Đơn vị hành chính của tỉnh {PROVINCE}: mỗi xã, phường (và trước 01/7/2025 mỗi huyện) là một "
            "cơ quan riêng;\n# cán bộ của đơn vị nào chỉ xử lý hồ sơ của đơn vị đó. Mã và tên theo danh mục của "
            "gói vietnam-provinces.\n")
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--current", type=Path, required=True)
    parser.add_argument("--legacy", type=Path, required=True)
    parser.add_argument("--current-version", default="2025.10.1")
    parser.add_argument("--legacy-version", default="0.6.0")
    args = parser.parse_args()
    text = build(json.loads(args.current.read_text(encoding="utf-8")), json.loads(args.legacy.read_text(encoding="utf-8")),
                 args.current_version, args.legacy_version)
    TARGET.write_text(text, encoding="utf-8")
    print(f"đã ghi {TARGET}")


if __name__ == "__main__":
    main()
