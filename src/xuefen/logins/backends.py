"""An authentication backend for the test settings only."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend


class TestClientAxesBackend(AxesStandaloneBackend):
    """Axes' backend, except that a call without a request passes unchecked.

    Django's test ``Client.login()`` authenticates without a request, which axes' backend
    refuses with an exception. Every login through a page (``/login/``, ``/admin/login/``)
    has a request and is throttled as in production; never use this outside the tests.
    """

    def authenticate(self, request: Any, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
