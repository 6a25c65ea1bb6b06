"""The quality officer's room (issue 10): see ``engine/quality``."""

from .folder import audit_folder

__all__ = ["audit_folder"]
