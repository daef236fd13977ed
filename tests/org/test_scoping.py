"""restrict(user, action) for every scoped model: who sees and changes what.

One world with an object of each model inside and outside each person's reach; the matrix
below lists, for each person, which objects ``view`` must return. Everything else must not.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from xuefen.audit.models import AuditEntry
from xuefen.catalog.models import Institution, Project
from xuefen.catalog.services import institution_create, project_approve, project_create
from xuefen.jobs.models import Job
from xuefen.jobs.services import job_start
from xuefen.org.models import OrgNode, PolicyBinding, RoleAssignment, Teacher
from xuefen.org.scoping import can, get_scoped_or_404, restrict
from xuefen.org.services import policy_bind
from xuefen.records.models import Evidence, Record
from xuefen.records.services import evidence_add
from xuefen.results.compute import recompute
from xuefen.results.models import TeacherResult

SCOPED_MODELS = [
    OrgNode,
    Teacher,
    RoleAssignment,
    PolicyBinding,
    Institution,
    Project,
    Record,
    Evidence,
    TeacherResult,
    AuditEntry,
    Job,
]


@pytest.fixture
def world(people, make_record):
    """Named objects of every scoped model."""
    p = people
    objs = {
        "school_a": p.school_a,
        "school_b": p.school_b,
        "school_c": p.school_c,
        "county_x": p.county_x,
        "teacher_a": p.teacher_a,
        "teacher_a2": p.teacher_a2,
        "teacher_b": p.teacher_b,
        "teacher_c": p.teacher_c,
        "role_a": RoleAssignment.objects.get(user=p.teacher_a.user),
        "role_b": RoleAssignment.objects.get(user=p.teacher_b.user),
        "binding_city": p.binding,
        "binding_y": policy_bind(
            actor=p.root, node=p.county_y, policy_id="puer-2023", valid_from=dt.date(2024, 1, 1)
        ),
        "institution_x": p.institution,
        "institution_y": institution_create(actor=p.root, node=p.county_y, name="宁洱县培训中心"),
    }
    objs["project_x"] = project_create(
        actor=p.county_admin,
        publisher=p.county_x,
        name="县级班主任培训",
        level="county",
        mode="centralized",
        module="class_management",
        days=2,
        institution=p.institution,
    )
    project_approve(actor=p.county_admin, project=objs["project_x"])
    objs["project_y"] = project_create(
        actor=p.county_y_admin,
        publisher=p.county_y,
        name="宁洱县网络研修",
        level="county",
        mode="online",
        module="ability",
        hours=20,
    )
    objs["project_b"] = project_create(
        actor=p.school_admin_b,
        publisher=p.school_b,
        name="思茅二小校本研修",
        level="school",
        mode="school_based",
        module="school_based",
        hours=4,
    )
    objs["record_a"] = make_record(p.teacher_a)
    objs["record_a_inst"] = make_record(
        p.teacher_a, kind="training", fields={}, level="", project=objs["project_x"]
    )
    objs["record_a2"] = make_record(p.teacher_a2)
    objs["record_b"] = make_record(p.teacher_b)
    objs["record_c"] = make_record(p.teacher_c)
    objs["evidence_a"] = evidence_add(
        actor=p.root, record=objs["record_a"], file=SimpleUploadedFile("证书.pdf", b"%PDF-1.4 a")
    )
    objs["evidence_b"] = evidence_add(
        actor=p.root, record=objs["record_b"], file=SimpleUploadedFile("证书.pdf", b"%PDF-1.4 b")
    )
    recompute([p.teacher_a.pk, p.teacher_b.pk, p.teacher_c.pk], as_of=dt.date(2023, 12, 31))
    objs["result_a"] = TeacherResult.objects.get(teacher=p.teacher_a)
    objs["result_b"] = TeacherResult.objects.get(teacher=p.teacher_b)
    objs["result_c"] = TeacherResult.objects.get(teacher=p.teacher_c)
    objs["audit_a"] = AuditEntry.objects.get(event="teacher.create", target_id=str(p.teacher_a.pk))
    objs["audit_b"] = AuditEntry.objects.get(event="teacher.create", target_id=str(p.teacher_b.pk))
    objs["audit_c"] = AuditEntry.objects.get(event="teacher.create", target_id=str(p.teacher_c.pk))
    objs["job_x"] = job_start(actor=p.county_admin, kind="recompute", node=p.county_x)
    objs["job_y"] = job_start(actor=p.county_y_admin, kind="recompute", node=p.county_y)
    return objs


ALL = {
    "school_a",
    "school_b",
    "school_c",
    "county_x",
    "teacher_a",
    "teacher_a2",
    "teacher_b",
    "teacher_c",
    "role_a",
    "role_b",
    "binding_city",
    "binding_y",
    "institution_x",
    "institution_y",
    "project_x",
    "project_y",
    "project_b",
    "record_a",
    "record_a_inst",
    "record_a2",
    "record_b",
    "record_c",
    "evidence_a",
    "evidence_b",
    "result_a",
    "result_b",
    "result_c",
    "audit_a",
    "audit_b",
    "audit_c",
    "job_x",
    "job_y",
}

VISIBLE = {
    "teacher_a": {
        "school_a",
        "county_x",
        "teacher_a",
        "role_a",
        "binding_city",
        "institution_x",
        "project_x",
        "record_a",
        "record_a_inst",
        "evidence_a",
        "result_a",
    },
    "school_admin_a": {
        "school_a",
        "county_x",
        "teacher_a",
        "teacher_a2",
        "role_a",
        "binding_city",
        "institution_x",
        "project_x",
        "record_a",
        "record_a_inst",
        "record_a2",
        "evidence_a",
        "result_a",
        "audit_a",
    },
    "peer_assessor": {
        "school_a",
        "county_x",
        "teacher_a",
        "teacher_a2",
        "role_a",
        "binding_city",
        "institution_x",
        "project_x",
        "record_a",
        "record_a_inst",
        "record_a2",
        "evidence_a",
        "result_a",
    },
    "school_admin_b": {
        "school_b",
        "county_x",
        "teacher_b",
        "role_b",
        "binding_city",
        "institution_x",
        "project_x",
        "project_b",
        "record_b",
        "evidence_b",
        "result_b",
        "audit_b",
    },
    "county_admin": ALL
    - {
        "school_c",
        "teacher_c",
        "binding_y",
        "institution_y",
        "project_y",
        "record_c",
        "result_c",
        "audit_c",
        "job_y",
    },
    "county_y_admin": {
        "school_c",
        "teacher_c",
        "binding_city",
        "binding_y",
        "institution_y",
        "project_y",
        "record_c",
        "result_c",
        "audit_c",
        "job_y",
    },
    "institution_user": {
        "county_x",
        "binding_city",
        "institution_x",
        "project_x",
        "record_a_inst",
    },
    "nobody": set(),
    "root": ALL,
}


def _user(people, who):
    if who.startswith("teacher_"):
        return getattr(people, who).user
    return getattr(people, who)


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_view_scope_matrix(people, world, who):
    user = _user(people, who)
    seen = {name for name in ALL if can(user, "view", world[name])}
    assert seen == VISIBLE[who]


def test_every_scoped_model_is_covered(world):
    covered = {type(world[name]) for name in ALL}
    assert covered == set(SCOPED_MODELS)


def test_anonymous_sees_nothing(world):
    for model in SCOPED_MODELS:
        assert not restrict(model, AnonymousUser()).exists()


def test_inactive_user_sees_nothing(people, world):
    people.school_admin_a.is_active = False
    assert not Teacher.objects.restrict(people.school_admin_a).exists()


def test_out_of_scope_is_404(people, world):
    user = people.teacher_a.user
    assert get_scoped_or_404(Record, user, pk=world["record_a"].pk) == world["record_a"]
    for name in ("record_b", "record_a2"):
        with pytest.raises(Http404):
            get_scoped_or_404(Record, user, pk=world[name].pk)
    with pytest.raises(Http404):
        get_scoped_or_404(Teacher, people.school_admin_a, pk=people.teacher_b.pk)
    with pytest.raises(Http404):
        get_scoped_or_404(Teacher.objects.all(), people.county_y_admin, pk=people.teacher_a.pk)
    with pytest.raises(Http404):  # exists, in scope to view, not to certify
        get_scoped_or_404(Record, people.school_admin_a, "certify", pk=world["record_a"].pk)


@pytest.mark.parametrize(
    ("who", "action", "record", "allowed"),
    [
        ("teacher_a", "change", "record_a", True),
        ("teacher_a", "review", "record_a", False),
        ("teacher_a", "change", "record_a2", False),
        ("school_admin_a", "review", "record_a", True),
        ("school_admin_a", "certify", "record_a", False),
        ("school_admin_a", "review", "record_b", False),
        ("principal_a", "review", "record_a", True),
        ("principal_a", "change", "record_a", False),
        ("peer_assessor", "change", "record_a", False),
        ("county_admin", "certify", "record_b", True),
        ("county_admin", "certify", "record_c", False),
        ("county_y_admin", "certify", "record_c", True),
        ("institution_user", "change", "record_a_inst", True),
        ("institution_user", "delete", "record_a_inst", False),
    ],
)
def test_action_scope(people, world, who, action, record, allowed):
    assert can(_user(people, who), action, world[record]) is allowed


def test_restrict_is_one_query_however_many_grants(people, world, django_assert_num_queries):
    user = people.county_admin
    Teacher.objects.restrict(user)  # load the grants once
    with django_assert_num_queries(1):
        names = sorted(t.name for t in Teacher.objects.restrict(user))
    assert names == ["张丽", "李强", "王芳"]


def test_unknown_action_is_an_error(people):
    with pytest.raises(ValueError):
        Teacher.objects.restrict(people.root, "publish")
