"""Write workflows/units.yaml: each province's communes (and, before 1/7/2025, districts) as agencies, and who succeeds whom.

    python tools/build_units.py --current CURRENT.json --legacy LEGACY.json --conversion CONVERSION.py

A maintainer's tool, run once per new release of the lists; ``make test`` and the app use only the
committed workflows/units.yaml. The lists come from the ``vietnam-provinces`` package (the
administrative units and codes of the National Statistics Office):

* ``--current``: ``nested-divisions.json`` of vietnam-provinces >= 2026.1 (two levels, province →
  commune/ward: the arrangement in force from 1/7/2025, 34 provinces; 2026.1 took the Office's
  official names and codes, which fixed three Cao Bằng communes and two Nghệ An units of 2025.10.1);
* ``--legacy``: ``nested-divisions.json`` of vietnam-provinces 0.6.0 (data of 2025-01-04; three levels,
  province → district → commune: the arrangement before 1/7/2025, 63 provinces);
* ``--conversion``: ``_ward_conversion_2025.py`` of vietnam-provinces >= 2026.2 (the Office's table of old
  communes → the new commune(s) that took their territory, ``BangChuyendoiĐVHCmoi_cu_khong_merge.csv``).

The releases cannot be installed side by side (one module name; >= 2026.1 needs Python 3.12): unpack each
wheel (``pip download --no-deps --python-version 3.12 --only-binary=:all: vietnam-provinces==2026.9.0``)
and pass the files. Each unit becomes an agency whose staff see only its own dossiers (engine/units.py);
each old commune lists its successors (one, or several where its territory was split; none where the
table does not name it). Nothing else is invented: names and codes are the lists'; the electronic IDs (mã
định danh) are not in the lists, so each agency gets a provisional one built from the unit's code, marked
unconfirmed; which new commune succeeds a district is not in the table (its communes' successors are the
candidates).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "workflows" / "units.yaml"
PROVINCES = (("Cao Bằng", "cb"), ("Nghệ An", "na"))  # the provinces of the catalogue, with their agency prefix
MARKER = "# Tệp sinh tự động: tools/build_units.py. Không sửa tay."


def _province(data: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(p for p in data if p["name"].removeprefix("Tỉnh ").strip() == name)


def _unit(item: dict[str, Any]) -> dict[str, Any]:
    return {"code": item["code"], "name": item["name"]}


def load_conversion(path: Path) -> dict[int, list[int]]:
    """Old commune code -> the codes of the new communes that took its territory (the package's OLD_TO_NEW)."""
    spec = importlib.util.spec_from_file_location("ward_conversion_2025", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"không đọc được {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {old: [ward.code for ward in entry.new_wards] for old, entry in module.OLD_TO_NEW.items()}


def _province_data(name: str, prefix: str, current: list[dict[str, Any]], legacy: list[dict[str, Any]],
                   conversion: dict[int, list[int]], versions: dict[str, str]) -> dict[str, Any]:
    new, old = _province(current, name), _province(legacy, name)
    new_codes = {w["code"] for w in new["wards"]}
    communes = []
    for district in old["districts"]:
        for ward in district["wards"]:
            successors = [c for c in conversion.get(ward["code"], []) if c in new_codes]
            communes.append(_unit(ward) | {"district": district["code"], "successors": successors})
    return {
        "code": new["code"], "name": name, "prefix": prefix,
        "arrangements": [
            {
                "id": "2025", "from": "2025-07-01",
                "source": f"vietnam-provinces {versions['current']} (hai cấp: tỉnh → xã, phường; sau sắp xếp 2025)",
                # the agency a procedure names for the level -> the units that hold that competence
                "communes": {"stands_for": f"{prefix}-ubnd-xa", "units": [_unit(w) for w in new["wards"]]},
            },
            {
                "id": "2024", "to": "2025-06-30",
                "source": f"vietnam-provinces {versions['legacy']} (ba cấp: tỉnh → huyện → xã; trước 01/7/2025)",
                "successors": (f"bảng chuyển đổi đơn vị hành chính cấp xã cũ → mới của Cục Thống kê "
                               f"(BangChuyendoiĐVHCmoi_cu_khong_merge.csv, trong vietnam-provinces {versions['conversion']})"),
                "districts": {"stands_for": f"{prefix}-ubnd-huyen", "units": [_unit(d) for d in old["districts"]]},
                "communes": {"stands_for": f"{prefix}-ubnd-xa", "units": communes},
            },
        ],
    }


def build(current: list[dict[str, Any]], legacy: list[dict[str, Any]], conversion: dict[int, list[int]],
          versions: dict[str, str]) -> str:
    data = {"provinces": [_province_data(name, prefix, current, legacy, conversion, versions) for name, prefix in PROVINCES]}
    head = (f"{MARKER}\n# Đơn vị hành chính của các tỉnh trong danh mục: mỗi xã, phường (và trước 01/7/2025 mỗi huyện) là "
            "một cơ quan riêng;\n# cán bộ của đơn vị nào chỉ xử lý hồ sơ của đơn vị đó. Mã và tên theo danh mục của gói "
            "vietnam-provinces;\n# 'successors' của mỗi xã cũ: (các) xã, phường mới kế thừa theo bảng chuyển đổi của "
            "Cục Thống kê.\n")
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--current", type=Path, required=True)
    parser.add_argument("--legacy", type=Path, required=True)
    parser.add_argument("--conversion", type=Path, required=True)
    parser.add_argument("--current-version", default="2026.9.0")
    parser.add_argument("--legacy-version", default="0.6.0")
    parser.add_argument("--conversion-version", default="2026.9.0")
    args = parser.parse_args()
    versions = {"current": args.current_version, "legacy": args.legacy_version, "conversion": args.conversion_version}
    text = build(json.loads(args.current.read_text(encoding="utf-8")), json.loads(args.legacy.read_text(encoding="utf-8")),
                 load_conversion(args.conversion), versions)
    TARGET.write_text(text, encoding="utf-8")
    print(f"đã ghi {TARGET}")


if __name__ == "__main__":
    main()
