"""URLs of assessments (namespace ``assessments``)."""

from . import views

app_name = "assessments"

urlpatterns = [*views.urlpatterns]
