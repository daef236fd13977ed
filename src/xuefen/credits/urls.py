"""URLs of the credit workflow (namespace ``credits``): the school's notice and submission
pages, the teacher's notice page, the county's certification pages."""

from . import notice_views, submission_views

app_name = "credits"

urlpatterns = [*notice_views.urlpatterns, *submission_views.urlpatterns]
