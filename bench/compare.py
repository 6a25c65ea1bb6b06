"""Compare the engine bench of two source trees in one run, in alternating blocks (SQLite).

Each tree runs in a worker process of its own (its ``bench/engine.py``, with the tree first on the
import path, so the two never share an import), on a SQLite file of its own. The coordinator hands
the workers the same blocks of lifecycles in turn: old then new, then new then old, and so on, so
that both meet the same background load of this shared machine. After each block of engine
lifecycles a worker runs the same number of bare SpiffWorkflow lifecycles (its tree's baseline).

Printed per tree: lifecycles/s (engine wall time), ms/step (CPU), the ratio to the baseline (median
over blocks of engine block / baseline block right after it; CPU totals in brackets); then the
median over blocks of new engine time / old engine time.

Usage: python bench/compare.py --old /tmp/motcua_old [--new .] [--n 300] [--blocks 30]
(e.g. ``git worktree add /tmp/motcua_old 987312a`` first).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
STEPS = 7


def worker(tree: Path) -> None:
    """Set up ``tree``'s engine bench on a fresh SQLite file; then run the blocks asked on stdin."""
    sys.path.insert(0, str(tree))
    spec = importlib.util.spec_from_file_location("tree_bench_engine", tree / "bench" / "engine.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    import engine

    assert Path(engine.__file__).resolve().is_relative_to(tree), (engine.__file__, tree)
    from engine.storage.db import make_engine, scratch_database

    with scratch_database("sqlite", "", Path(tempfile.mkdtemp()), "motcua_compare") as url:
        db = make_engine(url)
        engine_run, _sizes = bench.engine_lifecycle(db)
        baseline_run = bench.baseline_lifecycle(db)
        for i in range(20):  # warm caches and the database
            engine_run(-1 - i)
            baseline_run(1_000_000 + i)
        print(json.dumps({"ready": str(tree)}), flush=True)
        for line in sys.stdin:
            start, stop = map(int, line.split())
            out = {}
            for key, run in (("", engine_run), ("base_", baseline_run)):
                wall, cpu = time.perf_counter(), time.process_time()
                for i in range(start, stop):
                    run(i)
                out[key + "wall"] = time.perf_counter() - wall
                out[key + "cpu"] = time.process_time() - cpu
            print(json.dumps(out), flush=True)
        db.dispose()


def start(tree: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(tree)], cwd=tree, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    json.loads(proc.stdout.readline())  # ready
    return proc


def block(proc: subprocess.Popen[str], first: int, last: int) -> dict[str, float]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(f"{first} {last}\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, default=Path("/tmp/motcua_old"))
    parser.add_argument("--new", type=Path, default=HERE)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker.resolve())
        return
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    procs = {name: start(tree) for name, tree in trees.items()}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    size = max(1, args.n // args.blocks)
    try:
        for number, first in enumerate(range(0, args.n, size)):
            order = ["old", "new"] if number % 2 == 0 else ["new", "old"]
            for name in order:
                results[name].append(block(procs[name], first, min(args.n, first + size)))
    finally:
        for proc in procs.values():
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait()
    print(f"{args.n} lifecycles of 1.001806 ({STEPS} steps, each claimed) per tree, SQLite, "
          f"{len(results['old'])} alternating blocks (old/new, then new/old); ms/step is CPU time of the worker")
    print(f"{'tree':<5} {'commit':<9} {'lifecycles/s':>13} {'ms/step':>8} {'baseline ms/step':>17} {'ratio':>13}")
    for name, tree in trees.items():
        rs = results[name]
        wall, cpu = sum(r["wall"] for r in rs), sum(r["cpu"] for r in rs)
        base_cpu = sum(r["base_cpu"] for r in rs)
        ratio = statistics.median(r["wall"] / r["base_wall"] for r in rs)
        commit = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        steps = args.n * STEPS / 1000
        print(f"{name:<5} {commit:<9} {args.n / wall:>13.1f} {cpu / steps:>8.2f} {base_cpu / steps:>17.2f} "
              f"{ratio:>6.2f} ({cpu / base_cpu:.2f})")
    per_block = statistics.median(n["wall"] / o["wall"] for n, o in zip(results["new"], results["old"], strict=True))
    print(f"new/old engine time, median over blocks: {per_block:.3f}")


if __name__ == "__main__":
    main()
