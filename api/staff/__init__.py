"""Web pages for staff (Vietnamese first): one module per job, all on the ``staff`` blueprint of ``base``.

``login`` (sign in and out), ``inbox`` (my steps, the dossier list), ``intake``
(the one-stop desk), ``dossier`` (the page, timeline, diagram), ``actions``
(the forms of the dossier page), ``slips`` (printable forms), ``notifications``
(the bell and its page), ``password`` (one's own change, required after a reset), ``account`` (one's own e-mail address), ``calendar`` (days off and make-up days, administrators). Each view parses
the form, hands one engine command to ``commands().handle`` or runs one read
query, and renders a Jinja template (or redirects with a flash message).
``base`` holds the blueprint's hooks (signed-in user, CSRF on every POST) and
its Vietnamese error pages (``api/pages.py``).
"""

from __future__ import annotations

from . import (  # noqa: F401  (register the views)
    account,
    actions,
    calendar,
    dossier,
    inbox,
    intake,
    login,
    notifications,
    password,
    slips,
)
from .base import bp

__all__ = ["bp"]
