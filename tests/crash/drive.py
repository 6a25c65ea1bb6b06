"""The crash test's engine driver: receives dossiers and drives each toward its result, forever.

``python -m tests.crash.drive`` (DATABASE_URL set) imports everything once, then forks a driver
for each line read on stdin (the path of the file the driver writes to) and answers with its pid, so
the test can SIGKILL a driver and start the next one at once instead of waiting for Python's imports.
A driver prints ``received CODE`` once the receipt's transaction has committed, so the test knows which
dossiers the engine acknowledged before it was killed.
"""

from __future__ import annotations

import os
import random
import signal
import sys

from api.wiring import build_services
from engine import Actor, Commands, Services
from engine.simulate import Driver
from tests.helpers import AGENCY, APPLICANT, DIVISION, DIVISION_ROLES

PROCEDURE = "1.001806"
ROLES = ("one_stop", "specialist", "division_head", "director", "clerk")


def drive(services: Services) -> None:
    services.sessions.kw["bind"].dispose(close=False)  # the forked child opens connections of its own
    commands = Commands(services)
    actors = {role: Actor(f"crash-{role}", role, AGENCY, name=f"Cán bộ {role}",
                          unit=DIVISION if role in DIVISION_ROLES else None) for role in ROLES}
    driver = Driver(commands, actors)
    while True:
        dossier = commands.receive(actors["one_stop"], PROCEDURE, APPLICANT, "direct", ["don"])
        print("received", dossier.code, flush=True)
        dossier = driver.run(dossier, steps=random.randint(1, 8))  # some stop half-way, like real work
        print(dossier.status, dossier.code, flush=True)


def main() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed drivers are reaped by the kernel
    services = build_services()  # once: the calendar, the engine
    with services.sessions() as session:  # and the procedure's definition, parsed once for all drivers
        version = services.version_in_force(session, PROCEDURE, services.now().date())
        services.version(session, version.id)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            out = os.open(line.strip(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(out, 1)
            os.dup2(out, 2)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                drive(services)
            finally:
                os._exit(1)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
