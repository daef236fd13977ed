"""The site's URLs plus ``/bench/bare/``: a view that does nothing, behind the same
middleware (sessions, CSRF, CSP, the forced password change, axes) as every page. What a
page costs beyond it is the page's own work."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    """Nothing but the request cycle."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("xuefen.web.urls")),
]
