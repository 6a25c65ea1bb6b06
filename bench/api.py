"""REST API benchmark: the app under gunicorn, N concurrent clients, SQLite and PostgreSQL.

For each database it prepares a fresh store (catalogue + two accounts), starts
gunicorn on 127.0.0.1 (a free port), and drives concurrent clients (threads
with keep-alive connections, stdlib only) through four phases:

  receive   POST /api/v1/dossiers                  (one-stop officer)
  inbox     GET  /api/v1/tasks?per_page=20         (one-stop officer)
  claim     POST /api/v1/tasks/{id}/claim          (each client its own tasks)
  complete  POST /api/v1/tasks/{id}/complete       (intake step, with checkpoints)

and prints throughput and p50/p95/p99 latency per phase. Traffic goes only to
127.0.0.1; every loop is bounded in count.

    python bench/api.py                       # both databases, 50 clients
    python bench/api.py --db sqlite --clients 20 --requests 5
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("MOTCUA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password"
APPLICANT = {"name": "Nguyễn Văn An", "id_number": "004095001234"}
CHECKS = ["complete", "scanned_signed"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> None:
    """Migrate, load the catalogue, add the accounts (in this process, before gunicorn starts)."""
    from datetime import UTC, datetime

    from engine.catalogue_sync import sync_catalog
    from engine.definitions import load_catalog
    from engine.storage.accounts import upsert_user
    from engine.storage.db import make_engine, migrate, session_factory

    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with session_factory(engine)() as session:
        sync_catalog(session, load_catalog(ROOT / "workflows"), now)
        upsert_user(session, "bench_desk", "Bàn một cửa", "one_stop", "cb-so-y-te", PASSWORD, now)
        session.commit()
    engine.dispose()


class Client:
    """One keep-alive HTTP connection to the server; ``think`` seconds between two requests (0: none)."""

    think = 0.0

    def __init__(self, port: int, token: str | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object, float]:
        """One request, sent once: a broken connection is an error of its own (status 0), never retried.

        Resending after a connection error could send a receipt twice, and it hid a worker that died
        mid-request. The next call opens a new connection.
        """
        data = json.dumps(body).encode() if body is not None else None
        if self.think:
            time.sleep(random.uniform(0.5, 1.5) * self.think)  # a person reading the page between two clicks
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (ConnectionError, http.client.HTTPException, TimeoutError) as exc:
            self.conn.close()
            return 0, {"error": type(exc).__name__}, time.perf_counter() - started
        elapsed = time.perf_counter() - started
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"error": "not JSON", "status": response.status}
        return response.status, parsed, elapsed


Work = Callable[[int, Client], list[tuple[int, float, object]]]


def run_phase(name: str, clients_n: int, processes: int, make_client: Callable[[], Client], work: Work) -> tuple[dict[str, float], dict[int, list[object]]]:
    """Run ``work(i, client)`` for every client i at once: threads spread over ``processes`` forked
    processes, so that the load generator's own GIL does not queue the answers it is timing.

    Returns the phase's figures and, per client, the values its work returned (e.g. new task ids).
    """
    context = multiprocessing.get_context("fork")
    ready, go, queue = context.Barrier(processes + 1), context.Event(), context.Queue()

    def child(indices: list[int]) -> None:
        clients = {i: make_client() for i in indices}
        out: dict[int, list[tuple[int, float, object]]] = {}
        threads = [threading.Thread(target=lambda i=i: out.__setitem__(i, work(i, clients[i]))) for i in indices]
        ready.wait()
        go.wait()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        queue.put(out)

    procs = [context.Process(target=child, args=(list(range(p, clients_n, processes)),)) for p in range(processes)]
    for proc in procs:
        proc.start()
    ready.wait()
    started = time.perf_counter()
    go.set()
    results: dict[int, list[tuple[int, float, object]]] = {}
    for _ in procs:
        results.update(queue.get())
    wall = time.perf_counter() - started
    for proc in procs:
        proc.join()
    flat = [r for rs in results.values() for r in rs]
    latencies = sorted(e * 1000 for _, e, _ in flat)
    errors = sum(1 for status, _, _ in flat if status >= 400 or status == 0)
    broken = sum(1 for status, _, _ in flat if status == 0)
    by_status: dict[int, int] = {}
    for status, _, _ in flat:
        if status >= 400 or status == 0:
            by_status[status] = by_status.get(status, 0) + 1

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(round(p / 100 * len(latencies) + 0.5)) - 1)] if latencies else 0.0

    row = {"requests": len(flat), "errors": errors, "broken": broken, "rps": len(flat) / wall if wall else 0.0,
           "p50": statistics.median(latencies) if latencies else 0.0, "p95": pct(95), "p99": pct(99)}
    print(f"  {name:<9} {row['requests']:>6} req  {row['errors']:>4} err  {row['rps']:>8.1f} req/s  "
          f"p50 {row['p50']:>7.1f} ms  p95 {row['p95']:>7.1f} ms  p99 {row['p99']:>7.1f} ms"
          + (f"  errors by status: {dict(sorted(by_status.items()))} (0: connection broken)" if by_status else ""), flush=True)
    return row, {i: [v for _, _, v in rs if v is not None] for i, rs in results.items()}


def bench(db: str, clients_n: int, requests_n: int, workers: int, threads: int, think: float, processes: int) -> dict[str, dict[str, float]]:
    """One database (a fresh SQLite file or PostgreSQL schema, removed afterwards), all phases."""
    from engine.storage.db import scratch_database

    with tempfile.TemporaryDirectory() as directory, scratch_database(db, PG_URL, Path(directory), "bench_api") as url:
        return _bench(db, url, clients_n, requests_n, workers, threads, think, processes)


def _bench(db: str, url: str, clients_n: int, requests_n: int, workers: int, threads: int, think: float,
           processes: int) -> dict[str, dict[str, float]]:
    prepare(url)
    port = free_port()
    # gunicorn refuses to serve without a session key (api/secret.py): one for this run
    env = os.environ | {"DATABASE_URL": url, "MOTCUA_ALLOW_UNCONFIRMED": "1", "PYTHONPATH": str(ROOT),
                        "MOTCUA_SECRET_KEY": secrets.token_urlsafe(48)}
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                "--keep-alive", "30", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "api:create_app()"]
    server_log = Path(tempfile.mkstemp(prefix="motcua-gunicorn-", suffix=".log")[1])
    server = subprocess.Popen(gunicorn, cwd=ROOT, env=env, stderr=server_log.open("w"))
    pace = f", think time ~{think:g} s" if think else ", no think time (saturation)"
    print(f"\n{db}: gunicorn {workers} workers × {threads} threads, {clients_n} clients × {requests_n} requests{pace},"
          f" clients in {processes} processes",
          flush=True)
    try:
        for _ in range(100):
            try:
                status, _, _ = Client(port).call("GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        status, body, _ = Client(port).call("POST", "/api/v1/auth/token", {"username": "bench_desk", "password": PASSWORD})
        assert status == 200, body
        token = body["access_token"]  # type: ignore[index]
        for _ in range(workers * threads):  # warm every worker (versions, compiled specs)
            Client(port, token).call("GET", "/api/v1/tasks?per_page=1")
        Client.think = think
        body_receive = {"procedure_code": "1.001806", "applicant": APPLICANT, "channel": "direct"}

        def receive(i: int, c: Client) -> list[tuple[int, float, object]]:
            out: list[tuple[int, float, object]] = []
            for _ in range(requests_n):
                status, data, elapsed = c.call("POST", "/api/v1/dossiers", body_receive)
                task = next(t["id"] for t in data["tasks"] if t["state"] == "open") if status == 201 else None  # type: ignore[index]
                out.append((status, elapsed, task))
            return out

        def inbox(i: int, c: Client) -> list[tuple[int, float, object]]:
            return [(s, e, None) for s, _, e in (c.call("GET", "/api/v1/tasks?per_page=20") for _ in range(requests_n))]

        def claim(i: int, c: Client) -> list[tuple[int, float, object]]:
            return [(s, e, None) for s, _, e in (c.call("POST", f"/api/v1/tasks/{t}/claim") for t in task_ids[i])]

        def complete(i: int, c: Client) -> list[tuple[int, float, object]]:
            return [(s, e, None) for s, _, e in (c.call("POST", f"/api/v1/tasks/{t}/complete", {"checkpoints": CHECKS})
                                                 for t in task_ids[i])]

        def make_client() -> Client:
            return Client(port, token)

        rows = {}
        task_ids: dict[int, list[object]] = {}
        for name, fn in (("receive", receive), ("inbox", inbox), ("claim", claim), ("complete", complete)):
            rows[name], values = run_phase(name, clients_n, processes, make_client, fn)
            if name == "receive":
                task_ids = values
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)
        log = server_log.read_text(errors="replace")
        deaths = [line for line in log.splitlines() if "was sent" in line or "exited with code" in line or "WORKER TIMEOUT" in line]
        if deaths:
            print(f"  gunicorn workers died: {len(deaths)} (e.g. {deaths[0].strip()}); log: {server_log}", flush=True)
        else:
            server_log.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10, help="requests per client and phase")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="gunicorn processes (default: one per core; see bench/README.md)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client-processes", type=int, default=5,
                        help="processes the clients are spread over (threads within each)")
    parser.add_argument("--think", type=float, default=None,
                        help="seconds between a client's requests (default: run both 0 = saturation and 1 s = office use)")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    paces = [args.think] if args.think is not None else [0.0, 1.0]
    for think in paces:
        summary = {db: bench(db, args.clients, args.requests, args.workers, args.threads, think, args.client_processes) for db in dbs}
        if "postgresql" in summary and args.clients >= 50:
            ok = all(summary["postgresql"][p]["p95"] <= 100 for p in ("inbox", "complete"))
            print(f"\nBar (issue 4: inbox and complete p95 ≤ 100 ms, 50 clients, PostgreSQL), think {think:g} s: "
                  + ("met" if ok else "NOT met") + f" (inbox p95 {summary['postgresql']['inbox']['p95']:.1f} ms,"
                  f" complete p95 {summary['postgresql']['complete']['p95']:.1f} ms)", flush=True)


if __name__ == "__main__":
    main()
