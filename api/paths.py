"""Where the workflows directory is (``MOTCUA_WORKFLOWS``, default: the checkout's)."""

from __future__ import annotations

import os
from pathlib import Path

WORKFLOWS = Path(os.environ.get("MOTCUA_WORKFLOWS", Path(__file__).resolve().parent.parent / "workflows"))
