"""URLs of assessments (namespace ``assessments``)."""

from . import county_views, honor_views, sheet_views, views

app_name = "assessments"

urlpatterns = [
    *views.urlpatterns,
    *county_views.urlpatterns,
    *sheet_views.urlpatterns,
    *honor_views.urlpatterns,
]
