"""Fixtures of the public pages' tests (Ask support, status page, public API, browser)."""

from tests.web.ask_fixtures import engine_dirs, public_app  # noqa: F401 - fixtures
