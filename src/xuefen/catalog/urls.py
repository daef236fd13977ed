"""URLs of the catalog pages (namespace ``catalog``), mounted at ``/catalog/``."""

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("projects/new/", views.ProjectCreateView.as_view(), name="project_create"),
    path("projects/<int:pk>/edit/", views.ProjectEditView.as_view(), name="project_edit"),
    path("projects/<int:pk>/submit/", views.ProjectSubmitView.as_view(), name="project_submit"),
    path("projects/<int:pk>/results/", views.ResultsView.as_view(), name="results"),
    path("projects/<int:pk>/decide/", views.ProjectDecideView.as_view(), name="project_decide"),
    path("approvals/", views.ApprovalListView.as_view(), name="approvals"),
]
