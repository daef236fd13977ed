"""The browser fixtures of tests/browser, for the inbox's phone-width test."""

from tests.browser.conftest import (  # noqa: F401
    allow_orm_beside_playwright,
    browser,
    new_page,
    screenshot,
)
