"""The admin: every page renders, rows are restricted like everywhere else, ID numbers
are masked, and writes go through the services (so they are audited)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from xuefen.audit.models import AuditEntry
from xuefen.catalog.services import project_create
from xuefen.org.models import Teacher

MODELS = [
    "org/orgnode",
    "org/teacher",
    "org/roleassignment",
    "org/policybinding",
    "catalog/institution",
    "catalog/project",
    "records/record",
    "audit/auditentry",
    "results/teacherresult",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelists_render_for_superuser(client, people, make_record, model):
    make_record()
    client.force_login(people.root)
    app, name = model.split("/")
    response = client.get(reverse(f"admin:{app}_{name}_changelist"))
    assert response.status_code == 200


def _staff(user, *codenames):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_staff_see_only_their_scope_with_masked_ids(client, people):
    _staff(people.county_y_admin, "view_teacher", "change_teacher")
    client.force_login(people.county_y_admin)
    response = client.get(reverse("admin:org_teacher_changelist"))
    body = response.content.decode()
    assert "赵伟" in body and "张丽" not in body and "王芳" not in body
    assert people.teacher_c.id_number not in body
    assert people.teacher_c.id_number_masked in body
    other = reverse("admin:org_teacher_change", args=[people.teacher_a.pk])
    assert client.get(other).status_code == 302  # out of scope: "does not exist" redirect
    assert not Teacher.objects.restrict(people.county_y_admin).filter(pk=people.teacher_a.pk)


def test_admin_write_goes_through_the_service(client, people):
    _staff(people.county_admin, "view_project", "change_project")
    project = project_create(
        actor=people.county_admin,
        publisher=people.county_x,
        name="县级师德培训",
        level="county",
        mode="centralized",
        module="ethics",
        hours=6,
    )
    client.force_login(people.county_admin)
    response = client.post(
        reverse("admin:catalog_project_changelist"),
        {"action": "approve", "_selected_action": [project.pk]},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.approval_status == "approved"
    entry = AuditEntry.objects.get(event="project.approve", target_id=str(project.pk))
    assert entry.actor == people.county_admin
