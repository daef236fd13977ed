"""URLs of the imports (namespace ``imports``)."""

from . import record_views, teacher_views

app_name = "imports"

urlpatterns = [*teacher_views.urlpatterns, *record_views.urlpatterns]
