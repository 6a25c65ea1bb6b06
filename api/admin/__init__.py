"""The administrator's console (``/quan-tri``): accounts, agencies and divisions, API tokens, "act as".

``base`` holds the blueprint and its hooks (a signed-in administrator, CSRF on every POST, the
Vietnamese error pages); ``users`` the accounts and their tokens; ``agencies`` the catalogue's
agencies and divisions; ``acting`` the "act as" (làm thay) on a dossier. The rules are the engine's
(``engine.administration``, ``engine.commands.acting``, ``engine.policy``); every change is audited.
"""

from __future__ import annotations

from . import acting, agencies, users  # noqa: F401  (register the views)
from .base import bp

__all__ = ["bp"]
