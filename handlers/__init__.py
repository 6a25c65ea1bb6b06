"""Side effects a command can trigger, run from the outbox after the commit.

Importing this package registers every handler with the engine's outbox.
"""

from . import forms, notify  # noqa: F401  (registers the statutory-form and notification handlers)

__all__ = ["forms", "notify"]
