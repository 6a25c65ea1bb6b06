"""Side effects a command can trigger, run from the outbox after the commit.

Importing this package registers every handler with the engine's outbox.
"""

from . import (  # noqa: F401  (registers the statutory-form and notification handlers)
    applicant,
    forms,
    notify,
    quality,  # the conformance check of a closed dossier: issue 10
)

__all__ = ["applicant", "forms", "notify", "quality"]
