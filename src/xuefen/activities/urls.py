"""URLs of school-based training (namespace ``activities``): plans, activities, sign-in,
the teacher's calendar and the school's semester board."""

from . import activity_views, board_views, plan_views, signin_views

app_name = "activities"

urlpatterns = [
    *plan_views.urlpatterns,
    *activity_views.urlpatterns,
    *signin_views.urlpatterns,
    *board_views.urlpatterns,
]
