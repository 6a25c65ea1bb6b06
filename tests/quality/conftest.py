"""The web fixtures of tests/api (app over the shared services, staff accounts, tokens) for the quality room's tests."""

from tests.api.conftest import app, client, token  # noqa: F401
