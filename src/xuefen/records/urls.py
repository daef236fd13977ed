"""URLs of the declaring pages (namespace ``records``), mounted at ``/records/``."""

from django.urls import path

from . import views

app_name = "records"

urlpatterns = [
    path("", views.MyRecordsView.as_view(), name="mine"),
    path("new/", views.RecordNewView.as_view(), name="new"),
    path("<int:pk>/edit/", views.RecordEditView.as_view(), name="edit"),
    path("<int:pk>/submit/", views.RecordSubmitView.as_view(), name="submit"),
    path("<int:pk>/withdraw/", views.RecordWithdrawView.as_view(), name="withdraw"),
    path("<int:pk>/delete/", views.RecordDeleteView.as_view(), name="delete"),
    path("<int:pk>/evidence/", views.EvidenceAddView.as_view(), name="evidence_add"),
    path("evidence/<int:pk>/", views.EvidenceFileView.as_view(), name="evidence"),
    path("evidence/<int:pk>/delete/", views.EvidenceDeleteView.as_view(), name="evidence_delete"),
]
