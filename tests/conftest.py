"""Shared fixtures. ``people`` is the suite's cast of named test people (style.md habit 9),
built through the real services, as Zulip's ``example_user``:

- province 云南省 → city 普洱市 (policy puer-2023 from 2021-01-01) → two counties:
  思茅区 (county X) with schools A (思茅一中) and B (思茅二小, under the group 城区片区),
  and 宁洱县 (county Y) with school C;
- ``county_admin`` (X), ``county_y_admin`` (Y), ``school_admin_a``, ``principal_a``,
  ``school_admin_b``, teachers ``teacher_a``, ``teacher_a2`` (school A), ``teacher_b``
  (school B), ``teacher_c`` (school C), ``peer_assessor`` (assesses school A), an approved
  institution with its user ``institution_user``, and ``nobody`` (a user with no role).

The Django tests carry the ``db_backend`` marker: scripts/test.sh runs them again on
PostgreSQL, while the engine tests in tests/policy run once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

# Test folders that never touch the database: they run once, not again on PostgreSQL.
DATABASE_FREE_DIRS = ("policy",)


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Mark every test outside ``DATABASE_FREE_DIRS`` ``db_backend``."""
    for item in items:
        parts = item.path.parts
        if "tests" not in parts:
            continue
        folder = parts[parts.index("tests") + 1]
        if folder not in DATABASE_FREE_DIRS:
            item.add_marker(pytest.mark.db_backend)


def id_number(seq: int, *, female: bool = False, region: str = "530802") -> str:
    """A valid GB 11643 ID number, distinct per ``seq`` (born 1985-03-12)."""
    from xuefen.org.validators import id_check_char

    order = (seq % 500) * 2 + (0 if female else 1)
    first17 = f"{region}19850312{order:03d}"[:17]
    return first17 + id_check_char(first17)


@dataclass
class People:
    """The named people and places of the test world."""

    root: Any
    nobody: Any
    province: Any
    city: Any
    county_x: Any
    county_y: Any
    group_x: Any
    school_a: Any
    school_b: Any
    school_c: Any
    subject_group_a: Any
    binding: Any
    county_admin: Any
    county_y_admin: Any
    school_admin_a: Any
    principal_a: Any
    school_admin_b: Any
    peer_assessor: Any
    institution: Any
    institution_user: Any
    teacher_a: Any  # Teacher objects; their users are teacher_a.user etc.
    teacher_a2: Any
    teacher_b: Any
    teacher_c: Any


def _user(username: str, **extra: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password="pw", **extra)


def build_people() -> People:
    """Build the test world through the services (also used by tests that need two)."""
    from xuefen.catalog.services import institution_approve, institution_create
    from xuefen.org.choices import NodeKind, Role, SchoolKind
    from xuefen.org.services import node_create, policy_bind, role_grant, teacher_create

    root = _user("root", is_superuser=True, is_staff=True)
    province = node_create(actor=root, parent=None, kind=NodeKind.PROVINCE, name="云南省")
    city = node_create(actor=root, parent=province, kind=NodeKind.CITY, name="普洱市")
    county_x = node_create(actor=root, parent=city, kind=NodeKind.COUNTY, name="思茅区")
    county_y = node_create(actor=root, parent=city, kind=NodeKind.COUNTY, name="宁洱县")
    group_x = node_create(actor=root, parent=county_x, kind=NodeKind.GROUP, name="城区片区")
    school = NodeKind.SCHOOL
    school_a = node_create(
        actor=root, parent=county_x, kind=school, name="思茅一中", school_kind=SchoolKind.SECONDARY
    )
    school_b = node_create(
        actor=root, parent=group_x, kind=school, name="思茅二小", school_kind=SchoolKind.PRIMARY
    )
    school_c = node_create(
        actor=root, parent=county_y, kind=school, name="宁洱一小", school_kind=SchoolKind.PRIMARY
    )
    subject_group_a = node_create(
        actor=root, parent=school_a, kind=NodeKind.SUBJECT_GROUP, name="语文教研组"
    )
    binding = policy_bind(
        actor=root, node=city, policy_id="puer-2023", valid_from=dt.date(2021, 1, 1)
    )

    def staff(name: str, node: Any, role: str) -> Any:
        user = _user(name)
        role_grant(actor=root, user=user, node=node, role=role)
        return user

    county_admin = staff("county_admin", county_x, Role.COUNTY_ADMIN)
    county_y_admin = staff("county_y_admin", county_y, Role.COUNTY_ADMIN)
    school_admin_a = staff("school_admin_a", school_a, Role.SCHOOL_ADMIN)
    principal_a = staff("principal_a", school_a, Role.PRINCIPAL)
    school_admin_b = staff("school_admin_b", school_b, Role.SCHOOL_ADMIN)
    peer_assessor = staff("peer_assessor", school_a, Role.PEER_ASSESSOR)

    institution = institution_create(actor=county_admin, node=county_x, name="思茅区教师进修学校")
    institution_approve(actor=county_admin, institution=institution)
    institution_user = _user("institution_user")
    role_grant(
        actor=county_admin,
        user=institution_user,
        node=county_x,
        role=Role.INSTITUTION,
        institution=institution,
    )

    def teacher(name: str, person: str, school_node: Any, seq: int, female: bool) -> Any:
        return teacher_create(
            actor=root,
            school=school_node,
            name=person,
            id_number=id_number(seq, female=female),
            user=_user(name),
            stage="primary",
            subject="语文",
        )

    return People(
        root=root,
        nobody=_user("nobody"),
        province=province,
        city=city,
        county_x=county_x,
        county_y=county_y,
        group_x=group_x,
        school_a=school_a,
        school_b=school_b,
        school_c=school_c,
        subject_group_a=subject_group_a,
        binding=binding,
        county_admin=county_admin,
        county_y_admin=county_y_admin,
        school_admin_a=school_admin_a,
        principal_a=principal_a,
        school_admin_b=school_admin_b,
        peer_assessor=peer_assessor,
        institution=institution,
        institution_user=institution_user,
        teacher_a=teacher("teacher_a", "张丽", school_a, 1, True),
        teacher_a2=teacher("teacher_a2", "李强", school_a, 2, False),
        teacher_b=teacher("teacher_b", "王芳", school_b, 3, True),
        teacher_c=teacher("teacher_c", "赵伟", school_c, 4, False),
    )


@pytest.fixture
def people(db: Any) -> People:
    """The named test people (fresh per test; the transaction is rolled back after it)."""
    return build_people()


def training(**overrides: Any) -> dict[str, Any]:
    """The ``fields`` of a valid online training record (30 h, score 85 → 34.5 credits)."""
    fields: dict[str, Any] = {
        "mode": "online",
        "module": "knowledge",
        "hours": 30,
        "score": 85,
        "self_selected": True,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_record(people: People) -> Any:
    """A function creating a record through ``record_create`` (default: school admin of A
    registers a certified-able online training for teacher_a)."""
    from xuefen.records.services import record_create

    def make(
        teacher: Any = None,
        *,
        actor: Any = None,
        date: dt.date = dt.date(2023, 3, 10),
        kind: str = "training",
        fields: dict[str, Any] | None = None,
        level: str = "province",
        status: str = "draft",
        project: Any = None,
    ) -> Any:
        return record_create(
            actor=actor or people.root,
            teacher=teacher or people.teacher_a,
            kind=kind,
            date=date,
            fields=training() if fields is None and kind == "training" else (fields or {}),
            level=level,
            status=status,
            project=project,
        )

    return make
