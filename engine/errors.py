"""Domain errors. Each carries a stable ``code`` the API maps to HTTP and JSON."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a command raises on purpose."""

    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class IllegalTransition(DomainError):
    """A lifecycle move that the statutory status machine does not allow."""

    code = "illegal_transition"
    http_status = 409


class Conflict(DomainError):
    """Someone else changed the dossier first (optimistic lock)."""

    code = "conflict"
    http_status = 409


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class InvalidCommand(DomainError):
    """The command's input is wrong: a missing checkpoint, an unknown outcome, a bad date."""

    code = "invalid_command"
    http_status = 422


class BadInput(InvalidCommand):
    """Malformed input at the edge (a query parameter out of range, text no database keeps): 400, nothing tried."""

    code = "invalid_parameter"
    http_status = 400


class DefinitionError(DomainError):
    """A procedure definition or decision that does not validate."""

    code = "invalid_definition"
    http_status = 422
