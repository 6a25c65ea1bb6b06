"""The scheduler's settings: when to warn, when to escalate, when to send the digest.

Read from the environment by ``api.wiring.build_services`` (see docs/scheduler.md):

=============================  =======  ====================================================
``MOTCUA_WARN_FRACTION``       0.2      warn when this share of a step's or dossier's time is left
``MOTCUA_WARN_DAYS_BEFORE``    1        warn this many working days before the statutory due time
``MOTCUA_ESCALATE_AFTER_DAYS`` 1        a step overdue this many working days goes to the director
``MOTCUA_DIGEST_AT``           07:00    local time of the daily digest
``MOTCUA_SWEEP_SECONDS``       60       seconds between two sweeps
=============================  =======  ====================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class SweepSettingError(ValueError):
    pass


@dataclass(frozen=True)
class SweepSettings:
    warn_fraction: float = 0.2
    warn_days_before: int = 1
    escalate_after_days: int = 1
    digest_at: str = "07:00"
    sweep_seconds: float = 60.0
    recheck_minutes: int = 60  # a stopped clock (awaiting a supplement) is looked at again after this
    batch: int = 500

    def __post_init__(self) -> None:
        if not 0 < self.warn_fraction < 1:
            raise SweepSettingError(f"MOTCUA_WARN_FRACTION phải lớn hơn 0 và nhỏ hơn 1, nhận {self.warn_fraction}")
        if self.warn_days_before < 0 or self.escalate_after_days < 0:
            raise SweepSettingError("MOTCUA_WARN_DAYS_BEFORE và MOTCUA_ESCALATE_AFTER_DAYS không được âm")
        hour, _, minute = self.digest_at.partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise SweepSettingError(f"MOTCUA_DIGEST_AT phải có dạng HH:MM, nhận {self.digest_at!r}")
        if self.sweep_seconds <= 0:
            raise SweepSettingError("MOTCUA_SWEEP_SECONDS phải lớn hơn 0")

    @property
    def digest_hour_minute(self) -> tuple[int, int]:
        hour, _, minute = self.digest_at.partition(":")
        return int(hour), int(minute)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SweepSettings:
        env = os.environ if env is None else env

        def number(name: str, default: float, kind: type = float) -> float:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            try:
                return float(kind(raw))
            except ValueError:
                raise SweepSettingError(f"{name} phải là một số, nhận {raw!r}") from None

        return cls(
            warn_fraction=number("MOTCUA_WARN_FRACTION", cls.warn_fraction),
            warn_days_before=int(number("MOTCUA_WARN_DAYS_BEFORE", cls.warn_days_before, int)),
            escalate_after_days=int(number("MOTCUA_ESCALATE_AFTER_DAYS", cls.escalate_after_days, int)),
            digest_at=(env.get("MOTCUA_DIGEST_AT") or cls.digest_at).strip(),
            sweep_seconds=number("MOTCUA_SWEEP_SECONDS", cls.sweep_seconds),
        )


__all__ = ["SweepSettingError", "SweepSettings"]
