"""Copy the real records the tests check against from ../shared/data into tests/data/ (maintainer's tool).

    .venv/bin/python tools/vendor_test_data.py          # (re)write tests/data/
    .venv/bin/python tools/vendor_test_data.py --check  # exit 1 if tests/data/ differs from ../shared/data

Only a maintainer with ../shared/data beside the checkout runs it; neither
``make test`` nor ``make run`` needs it (they read tests/data/ and workflows/).
What it copies, and nothing else (no legal texts):

* ``dvcqg/details/*.json`` (the national portal's procedure-detail records)
  → ``tests/data/dvcqg_details.jsonl.gz``: one record a line, in code order,
  each line the record's JSON re-serialised compactly (same content);
* ``internal_processes/*.json`` (approved internal processes of Cao Bằng)
  → ``tests/data/internal_processes/``, byte for byte;
* ``bpmn_samples/*.bpmn`` and their ``README.md`` (CC BY 3.0 attribution)
  → ``tests/data/bpmn_samples/``, byte for byte;
* ``dvcqg/provinces.json`` (the 34 provincial units) → ``tests/data/dvcqg_provinces.json``, byte for byte;
* the rows of ``dvcqg/catalog_2026-07-18.jsonl`` whose category is one of the labour-sector fields
  (``FIELDS`` of tools/build_catalogue.py) → ``tests/data/national_catalogue_labour_2026-07-18.csv``
  (code, name, category, promulgating body; code order), what the catalogue's rule is checked against.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
TARGET = REPO / "tests" / "data"
PORTAL = "dvcqg_details.jsonl.gz"
NATIONAL = "national_catalogue_labour_2026-07-18.csv"


def portal_lines(source: Path) -> bytes:
    """The records of ``source/*.json`` as JSON lines (UTF-8, compact, code order)."""
    lines = []
    for path in sorted(source.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("data", {}).get("code") != path.stem:
            raise SystemExit(f"{path}: mã trong bản ghi khác tên tệp")
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode("utf-8")


def national_rows(source: Path) -> bytes:
    """The national catalogue's rows of the labour-sector fields, as CSV (UTF-8, code order)."""
    import csv

    from build_catalogue import FIELDS  # tools/ is this script's directory

    labour = {name for name, slug in FIELDS.items() if slug}
    rows = []
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            category = next((c for c in row.get("categories") or [] if c in labour), None)
            if category:
                rows.append((row["code"], " ".join(row["name"].split()), category, row.get("departmentPromulgate") or ""))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("code", "name", "category", "promulgated_by"))
    writer.writerows(sorted(rows))
    return buffer.getvalue().encode("utf-8")


def gzipped(raw: bytes) -> bytes:
    """gzip without a timestamp or file name, so the same input gives the same file."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as handle:
        handle.write(raw)
    return buffer.getvalue()


def copies() -> dict[Path, Path]:
    """target → source for the files copied byte for byte."""
    out = {}
    for name, pattern in (("internal_processes", "*.json"), ("bpmn_samples", "*.bpmn")):
        for path in sorted((DATA / name).glob(pattern)):
            out[TARGET / name / path.name] = path
    out[TARGET / "bpmn_samples" / "README.md"] = DATA / "bpmn_samples" / "README.md"
    out[TARGET / "dvcqg_provinces.json"] = DATA / "dvcqg" / "provinces.json"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Công cụ của người bảo trì: đọc ../shared/data đặt cạnh thư mục mã nguồn; make run và make test không cần. "
               "/ Maintainer's tool: reads ../shared/data beside the checkout; make run and make test do not need it.")
    parser.add_argument("--check", action="store_true", help="exit 1 if tests/data/ differs from ../shared/data")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"không thấy {DATA} (dữ liệu của người bảo trì, đặt cạnh thư mục mã nguồn) / "
              f"{DATA} not found: this tool needs ../shared/data beside the checkout", file=sys.stderr)
        return 2
    lines = portal_lines(DATA / "dvcqg" / "details")
    portal = TARGET / PORTAL
    stale = []
    if not portal.exists() or gzip.decompress(portal.read_bytes()) != lines:  # content, not zlib's bytes
        stale.append(portal)
        if not args.check:
            portal.write_bytes(gzipped(lines))
    national = national_rows(DATA / "dvcqg" / "catalog_2026-07-18.jsonl")
    if not (TARGET / NATIONAL).exists() or (TARGET / NATIONAL).read_bytes() != national:
        stale.append(TARGET / NATIONAL)
        if not args.check:
            (TARGET / NATIONAL).write_bytes(national)
    wanted = copies()
    for target, source in wanted.items():
        if not target.exists() or target.read_bytes() != source.read_bytes():
            stale.append(target)
            if not args.check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read_bytes())
    extra = [p for name in ("internal_processes", "bpmn_samples") for p in sorted((TARGET / name).glob("*"))
             if p not in wanted]
    for path in extra:
        stale.append(path)
        if not args.check:
            path.unlink()
    for path in stale:
        print(f"{'khác nguồn' if args.check else 'đã ghi'}: {path.relative_to(REPO)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
