"""The demo world: 普洱市 with two counties (思茅区, 宁洱县), each in two 片区, 24 schools of
every kind, 800 teachers with Chinese names and valid ID numbers, a catalog of training
projects (one institution not approved), and a year and a half of records under
``puer-2023``, ending today.

People, roles, the tree, the catalog and the policy binding are built through the
services, so their audit rows are the services' own. Records are many (about 15 per
teacher): they are validated in one call of the engine's record parser and inserted in
bulk with one ``record.create`` audit row each, as an import would write them.

Everything random comes from one ``random.Random(seed)``: the same seed on the same day
builds the same world.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xuefen.audit.choices import Event
from xuefen.audit.services import audit_entry, audit_log_bulk, snapshot
from xuefen.catalog.models import Project
from xuefen.catalog.services import (
    institution_approve,
    institution_create,
    project_approve,
    project_create,
)
from xuefen.org.choices import NodeKind, Role, SchoolKind, Stage
from xuefen.org.models import OrgNode, PolicyBinding, Teacher
from xuefen.org.services import node_create, policy_bind, role_grant, teacher_create
from xuefen.org.validators import id_check_char
from xuefen.records.choices import LOCKED_STATUSES, RecordSource, RecordStatus
from xuefen.records.models import Record, record_frozen_input, record_to_engine_dict
from xuefen.records.services import RECORD_FIELDS

# Every demo account has this password (docs/users.md lists the accounts).
DEMO_PASSWORD = "xuefen-demo"
DEFAULT_SEED = 2023
DEFAULT_SCHOOLS = 24
DEFAULT_TEACHERS = 800
PROVINCE_CODE = "530000"
IMPORT_REASON = "演示数据（批量导入）"
RETURN_REASON = "获奖证书复印件不全，请补传证书正反面后重新提交。"

# (county, division code, [(片区, [(school, kind, weight)])]). Real townships of both
# counties; the schools are illustrative.
COUNTIES: list[tuple[str, str, list[tuple[str, list[tuple[str, str, int]]]]]] = [
    (
        "思茅区",
        "530802",
        [
            (
                "思茅城区片区",
                [
                    ("普洱市思茅区第一中学", SchoolKind.SECONDARY, 60),
                    ("普洱市思茅区第一小学", SchoolKind.PRIMARY, 40),
                    ("普洱市思茅区第二中学", SchoolKind.SECONDARY, 50),
                    ("普洱市思茅区第二小学", SchoolKind.PRIMARY, 36),
                    ("普洱市思茅区实验幼儿园", SchoolKind.KINDERGARTEN, 18),
                    ("普洱市思茅区第三小学", SchoolKind.PRIMARY, 32),
                    ("普洱市思茅区特殊教育学校", SchoolKind.SPECIAL, 12),
                ],
            ),
            (
                "思茅乡镇片区",
                [
                    ("思茅区倚象镇中心小学", SchoolKind.PRIMARY, 24),
                    ("思茅区六顺镇中学", SchoolKind.SECONDARY, 28),
                    ("思茅区思茅港镇中心小学", SchoolKind.PRIMARY, 22),
                    ("思茅区龙潭乡中心小学", SchoolKind.PRIMARY, 18),
                    ("思茅区云仙乡中心幼儿园", SchoolKind.KINDERGARTEN, 10),
                ],
            ),
        ],
    ),
    (
        "宁洱哈尼族彝族自治县",
        "530821",
        [
            (
                "宁洱城区片区",
                [
                    ("宁洱县第一中学", SchoolKind.SECONDARY, 56),
                    ("宁洱县宁洱镇中心小学", SchoolKind.PRIMARY, 38),
                    ("宁洱县民族中学", SchoolKind.SECONDARY, 44),
                    ("宁洱县职业高级中学", SchoolKind.VOCATIONAL, 36),
                    ("宁洱县幼儿园", SchoolKind.KINDERGARTEN, 16),
                ],
            ),
            (
                "宁洱乡镇片区",
                [
                    ("宁洱县磨黑镇中学", SchoolKind.SECONDARY, 30),
                    ("宁洱县磨黑镇中心小学", SchoolKind.PRIMARY, 24),
                    ("宁洱县同心镇中心小学", SchoolKind.PRIMARY, 20),
                    ("宁洱县勐先镇中心小学", SchoolKind.PRIMARY, 18),
                    ("宁洱县德化镇中心小学", SchoolKind.PRIMARY, 18),
                    ("宁洱县黎明乡中心小学", SchoolKind.PRIMARY, 14),
                    ("宁洱县特殊教育学校", SchoolKind.SPECIAL, 10),
                ],
            ),
        ],
    ),
]

# Subject groups (教研组) and the subjects taught in them, by kind of school.
GROUPS: dict[str, list[tuple[str, list[str]]]] = {
    SchoolKind.SECONDARY: [
        ("语文教研组", ["语文"]),
        ("数学教研组", ["数学"]),
        ("英语教研组", ["英语"]),
        ("理化生教研组", ["物理", "化学", "生物"]),
        ("政史地教研组", ["道德与法治", "历史", "地理"]),
        ("体艺教研组", ["体育与健康", "音乐", "美术", "信息科技"]),
    ],
    SchoolKind.PRIMARY: [
        ("语文教研组", ["语文"]),
        ("数学教研组", ["数学"]),
        ("英语教研组", ["英语"]),
        ("综合教研组", ["科学", "道德与法治", "体育与健康", "音乐", "美术"]),
    ],
    SchoolKind.KINDERGARTEN: [
        ("小班教研组", ["学前教育"]),
        ("中班教研组", ["学前教育"]),
        ("大班教研组", ["学前教育"]),
    ],
    SchoolKind.SPECIAL: [("培智教研组", ["特殊教育"]), ("康复教研组", ["康复训练"])],
    SchoolKind.VOCATIONAL: [
        ("文化课教研组", ["语文", "数学", "英语"]),
        ("专业课教研组", ["计算机应用", "汽车运用与维修", "旅游服务与管理", "茶叶生产与加工"]),
    ],
}
STAGES = {
    SchoolKind.SECONDARY: Stage.JUNIOR,
    SchoolKind.PRIMARY: Stage.PRIMARY,
    SchoolKind.KINDERGARTEN: Stage.PRESCHOOL,
    SchoolKind.SPECIAL: Stage.SPECIAL,
    SchoolKind.VOCATIONAL: Stage.VOCATIONAL,
}
TITLES = ["三级教师", "二级教师", "二级教师", "一级教师", "一级教师", "一级教师", "高级教师"]

# Common surnames, most frequent first (repeated to weight them), and given-name characters.
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹"
    "袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白"
    "崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文刀李罗普"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳洋成康亮志文"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英华慧巧美婷雪琳晶燕玉萍红梅莉兰琴云莹倩颖洁佳欣悦"

# School-based training of the current semester (build_school_training).
PLAN_EXCEPTION_REASON = "演示数据：学期计划补交，县研训院延长提交时间"
PLAN_THEMES = [
    ("大单元教学设计研讨", "lesson_preparation"),
    ("同课异构与议课", "observation"),
    ("作业设计与评价改革", "research"),
]
MATERIAL_NAMES = {"plan": "活动方案", "process": "过程记录", "summary": "活动总结"}
ATTENDANCE_SHEET = "纸质签到表"
LEAVE_NOTE = "病假（已提交假条）"
# school01's activities: day relative to today, times, the groups (indexes into the
# school's groups; none: the whole school), what is done to them. Only four are closed
# (about 50 participants): each generated record costs ~10 ms of seed_demo.
DEMO_ACTIVITIES: list[dict[str, Any]] = [
    {
        "day": -49,
        "start": dt.time(15, 30),
        "end": dt.time(17, 30),
        "hours": 2,
        "theme": "大单元教学设计研讨",
        "type": "lesson_preparation",
        "place": "语文组办公室",
        "groups": [0],
        "roles": ["teacher", "review"],
        "materials": ["plan", "process", "summary"],
        "confirmed": True,
        "close": True,
    },
    {
        "day": -35,
        "start": dt.time(14, 30),
        "end": dt.time(17, 0),
        "hours": 2.5,
        "theme": "同课异构：函数的概念",
        "type": "observation",
        "place": "录播教室",
        "groups": [1],
        "roles": ["teacher"],
        "materials": ["plan", "summary"],
        "close": True,
    },
    {
        "day": -21,
        "start": dt.time(15, 0),
        "end": dt.time(17, 0),
        "hours": 2,
        "theme": "新课标下的读写教学",
        "type": "seminar",
        "place": "英语组办公室",
        "groups": [2],
        "materials": ["plan", "process", "summary"],
        "close": True,
    },
    {
        "day": -14,
        "start": dt.time(14, 0),
        "end": dt.time(16, 0),
        "hours": 2,
        "theme": "实验教学的课堂观察",
        "type": "observation",
        "place": "物理实验室",
        "groups": [3],
        "roles": ["keynote"],
        "materials": ["plan"],
        "close": True,
    },
    {
        "day": -7,
        "start": dt.time(15, 30),
        "end": dt.time(17, 30),
        "hours": 2,
        "theme": "作业设计与评价改革",
        "type": "research",
        "place": "语文组办公室",
        "groups": [0],
        # Past, not closed yet: the attendance and the closing are the administrator's.
    },
    # Today, open all day (a teaching open day): the sign-in screen can be tried.
    {
        "day": 0,
        "start": dt.time(8, 0),
        "end": dt.time(22, 0),
        "hours": 3,
        "theme": "教学开放日：课堂观察与诊断",
        "type": "observation",
        "place": "各班教室",
        "groups": [0, 1],
    },
    {
        "day": 1,
        "start": dt.time(15, 30),
        "end": dt.time(17, 30),
        "hours": 2,
        "theme": "读书交流：《给教师的建议》",
        "type": "reading",
        "place": "图书馆",
        "groups": [0, 2],
        "leave": True,
    },
    {
        "day": 14,
        "start": dt.time(15, 0),
        "end": dt.time(17, 0),
        "hours": 2,
        "theme": "专题讲座：信息技术与学科融合",
        "type": "lecture",
        "place": "学校报告厅",
        "groups": [],
        "roles": ["lecture"],
    },
]


def demo_pdf(title: str) -> bytes:
    """A one-page PDF saying ``title`` (ASCII only: no font is embedded)."""
    text = "".join(c if 32 <= ord(c) < 127 and c not in "()\\" else "?" for c in title)
    stream = f"BT /F1 14 Tf 72 760 Td (xuefen demo: {text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@dataclass
class DemoLogin:
    """One account printed by ``seed_demo`` and listed in docs/users.md."""

    username: str
    role: str
    where: str
    note: str = ""


@dataclass
class Built:
    """What the builder made (for the summary and the tests)."""

    schools: int = 0
    teachers: int = 0
    records: int = 0
    plans: int = 0
    activities: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def is_seeded() -> bool:
    """Whether the demo world is already there (its province carries the demo code)."""
    return OrgNode.objects.filter(kind=NodeKind.PROVINCE, code=PROVINCE_CODE).exists()


def demo_logins() -> list[DemoLogin]:
    """The accounts worth trying, read back from the database (so they are printed the
    same way on the first run and on every later one)."""
    User = get_user_model()
    wanted = [
        ("admin", _("superuser (Django admin)"), ""),
        ("city_admin", Role.CITY_ADMIN, ""),
        ("county_admin", Role.COUNTY_ADMIN, ""),
        ("county2_admin", Role.COUNTY_ADMIN, ""),
        ("school01_admin", Role.SCHOOL_ADMIN, ""),
        ("school01_principal", Role.PRINCIPAL, ""),
        ("school02_admin", Role.SCHOOL_ADMIN, _("evaluates school01 as a peer (互比互学)")),
        ("peer_assessor", Role.PEER_ASSESSOR, ""),
        ("institution", Role.INSTITUTION, ""),
        ("t0001", Role.TEACHER, _("meets this year's requirements")),
        ("t0002", Role.TEACHER, _("short this year")),
    ]
    users = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    logins = []
    for username, role, note in wanted:
        user = users.get(username)
        if user is None:
            continue
        if user.is_superuser:
            where = str(_("everything"))
        else:
            assignment = user.role_assignments.select_related("node", "institution").first()
            where = ""
            if assignment is not None:
                where = (assignment.institution or assignment.node).name
        label = role if role not in Role.values else str(Role(role).label)
        logins.append(DemoLogin(username=username, role=label, where=where, note=note))
    return logins


class WorldBuilder:
    """Builds the demo world; call :meth:`build` once inside a transaction."""

    def __init__(self, *, schools: int, teachers: int, seed: int, today: dt.date) -> None:
        if schools < 2:
            raise ValueError("at least 2 schools (one per county)")
        if teachers < 2 * schools:
            raise ValueError("at least 2 teachers per school")
        self.n_schools = schools
        self.n_teachers = teachers
        self.rnd = random.Random(seed)
        self.today = today
        self.this_year = today.year
        self.history_start = dt.date(today.year - 1, 7, 1)
        self.password = make_password(DEMO_PASSWORD)
        self.User = get_user_model()
        self.id_numbers: set[str] = set()
        self.built = Built()
        self.school_admins: dict[int, Any] = {}
        # (number, school, its administrator, the county's administrator, its groups)
        self.schools: list[tuple[int, OrgNode, Any, Any, list[OrgNode]]] = []

    # -- helpers ---------------------------------------------------------------------

    def user(self, username: str, **extra: Any) -> Any:
        """A user with the demo password (hashed once: hashing 800 times would take
        minutes)."""
        user = self.User(username=username, password=self.password, **extra)
        user.save()
        return user

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        end = min(end, self.today)
        start = min(start, end)
        return start + dt.timedelta(days=self.rnd.randrange((end - start).days + 1))

    def name(self, female: bool) -> str:
        surname = self.rnd.choice(SURNAMES)
        pool = GIVEN_FEMALE if female else GIVEN_MALE
        given = "".join(self.rnd.choice(pool) for _ in range(self.rnd.choice((1, 2, 2, 2))))
        return surname + given

    def id_number(self, region: str, female: bool, birth: dt.date) -> str:
        """A GB 11643 number: region, birth date, order code (odd for men), check digit."""
        while True:
            order = self.rnd.randrange(0, 500) * 2 + (0 if female else 1)
            first17 = f"{region}{birth:%Y%m%d}{order:03d}"
            number = first17 + id_check_char(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def phone(self) -> str:
        return self.rnd.choice(("138", "139", "150", "151", "187", "188", "135")) + "".join(
            str(self.rnd.randrange(10)) for _ in range(8)
        )

    # -- the world -------------------------------------------------------------------

    def build(self) -> Built:
        admin = self.user("admin", is_superuser=True, is_staff=True)
        self.admin = admin
        province = node_create(
            actor=admin, parent=None, kind=NodeKind.PROVINCE, name="云南省", code=PROVINCE_CODE
        )
        city = node_create(
            actor=admin, parent=province, kind=NodeKind.CITY, name="普洱市", code="530800"
        )
        policy_bind(
            actor=admin,
            node=city,
            policy_id="puer-2023",
            valid_from=dt.date(2021, 1, 1),
            reason="普洱市教师全员培训学分认定办法",
        )
        city_admin = self.user("city_admin", first_name="市教师发展中心")
        role_grant(actor=admin, user=city_admin, node=city, role=Role.CITY_ADMIN)

        plan = self.school_plan()
        counties = []
        for index, (county_name, code, areas) in enumerate(COUNTIES):
            county = node_create(
                actor=admin, parent=city, kind=NodeKind.COUNTY, name=county_name, code=code
            )
            username = "county_admin" if index == 0 else f"county{index + 1}_admin"
            county_user = self.user(username, first_name=f"{county_name}研训院")
            role_grant(actor=admin, user=county_user, node=county, role=Role.COUNTY_ADMIN)
            counties.append((county, code, county_user, areas))

        catalog = self.build_catalog(city, city_admin, counties)

        school_no = 0
        for county, code, county_user, areas in counties:
            for area_name, schools in areas:
                chosen = [s for s in schools if s[0] in plan]
                if not chosen:
                    continue
                area = node_create(
                    actor=county_user, parent=county, kind=NodeKind.GROUP, name=area_name
                )
                for school_name, kind, _weight in chosen:
                    school_no += 1
                    self.build_school(
                        number=school_no,
                        name=school_name,
                        kind=kind,
                        parent=area,
                        region_code=code,
                        county_admin=county_user,
                        size=plan[school_name],
                        catalog=catalog,
                    )
        self.build_records()
        self.built.schools = school_no
        self.build_school_training(counties)
        self.build_assessment(counties)
        return self.built

    def school_plan(self) -> dict[str, int]:
        """Which schools to build (alternating counties, so small runs have both) and how
        many teachers each gets (proportional to its weight, summing to the total)."""
        lists = [[s for _area, schools in areas for s in schools] for _c, _code, areas in COUNTIES]
        order: list[tuple[str, str, int]] = []
        for i in range(max(len(x) for x in lists)):
            for schools in lists:
                if i < len(schools):
                    order.append(schools[i])
        if self.n_schools > len(order):
            raise ValueError(f"at most {len(order)} schools")
        chosen = order[: self.n_schools]
        weight = sum(w for _n, _k, w in chosen)
        sizes = {n: max(2, self.n_teachers * w // weight) for n, _k, w in chosen}
        names = [n for n, _k, _w in chosen]
        i = 0
        while sum(sizes.values()) != self.n_teachers:
            name = names[i % len(names)]
            step = 1 if sum(sizes.values()) < self.n_teachers else -1
            if sizes[name] + step >= 2:
                sizes[name] += step
            i += 1
        return sizes

    def build_catalog(self, city: OrgNode, city_admin: Any, counties: list) -> dict[str, Any]:
        """Institutions (one not approved) and the year's projects, through the services."""
        online_center = institution_create(
            actor=city_admin, node=city, name="普洱市教师网络研修中心", contact="0879-2123456"
        )
        college = institution_create(
            actor=city_admin, node=city, name="普洱学院继续教育学院", contact="0879-3056789"
        )
        unapproved = institution_create(
            actor=city_admin,
            node=city,
            name="普洱启智教育咨询有限公司",
            contact="0879-2998877",
            reason="申请承担教师培训，待审核",
        )
        for inst in (online_center, college):
            institution_approve(actor=city_admin, institution=inst, reason="资质审核通过")
        county_schools = []
        for county, _code, county_user, _areas in counties:
            inst = institution_create(
                actor=county_user, node=county, name=f"{county.name}教师进修学校"
            )
            institution_approve(actor=county_user, institution=inst, reason="资质审核通过")
            county_schools.append((county, county_user, inst))
        self.institution_user = self.user("institution", first_name=county_schools[0][2].name)
        role_grant(
            actor=counties[0][2],
            user=self.institution_user,
            node=counties[0][0],
            role=Role.INSTITUTION,
            institution=county_schools[0][2],
        )

        def project(actor: Any, publisher: OrgNode, approve: bool = True, **kw: Any) -> Project:
            p = project_create(actor=actor, publisher=publisher, **kw)
            if approve:
                project_approve(actor=actor, project=p, reason="列入年度培训计划")
            return p

        catalog: dict[str, Any] = {"county": {}}
        for year in (self.this_year - 1, self.this_year):
            y = str(year)
            catalog[y] = {
                "online": [
                    project(
                        city_admin,
                        city,
                        name=f"{year}年普洱市中小学教师网络研修（师德师风专题）",
                        level="province",
                        mode="online",
                        module="ethics",
                        hours=30,
                        credit_per_hour=1,
                        selection="mandatory",
                        institution=online_center,
                    ),
                    project(
                        city_admin,
                        city,
                        name=f"{year}年信息技术应用能力提升网络研修",
                        level="province",
                        mode="online",
                        module="ability",
                        hours=30,
                        credit_per_hour=1,
                        institution=online_center,
                    ),
                    project(
                        city_admin,
                        city,
                        name=f"{year}年新课程标准学科网络研修",
                        level="province",
                        mode="online",
                        module="knowledge",
                        hours=24,
                        credit_per_hour=1,
                        institution=online_center,
                    ),
                ],
                "class_management": project(
                    city_admin,
                    city,
                    name=f"{year}年普洱市班主任工作能力提升培训",
                    level="city",
                    mode="centralized",
                    module="class_management",
                    days=5,
                    credit_per_hour="1.5",
                    institution=college,
                ),
                "knowledge": project(
                    city_admin,
                    city,
                    name=f"{year}年普洱市学科核心素养专题培训",
                    level="city",
                    mode="centralized",
                    module="knowledge",
                    days=4,
                    credit_per_hour="1.5",
                    institution=college,
                ),
                # Approved as a project, but run by an institution that is not approved:
                # its records earn nothing, and the engine says why.
                "unapproved": project(
                    city_admin,
                    city,
                    name=f"{year}年教师心理健康教育专题研修",
                    level="city",
                    mode="centralized",
                    module="ethics",
                    days=2,
                    credit_per_hour=1,
                    institution=unapproved,
                ),
            }
            for county, county_user, inst in county_schools:
                catalog["county"][(y, county.pk)] = project(
                    county_user,
                    county,
                    name=f"{year}年{county.name}中小学骨干教师集中培训",
                    level="county",
                    mode="centralized",
                    module="ability",
                    days=5,
                    credit_per_hour="1.2",
                    institution=inst,
                )
        # A project still waiting for approval (nobody has records of it yet).
        project(
            city_admin,
            city,
            approve=False,
            name=f"{self.this_year + 1}年普洱市乡村教师素养提升培训",
            level="city",
            mode="centralized",
            module="ability",
            days=6,
            credit_per_hour="1.5",
            institution=college,
        )
        self.catalog = catalog
        self.pending: list[tuple[Record, dict[str, Any]]] = []
        return catalog

    def build_school(
        self,
        *,
        number: int,
        name: str,
        kind: str,
        parent: OrgNode,
        region_code: str,
        county_admin: Any,
        size: int,
        catalog: dict[str, Any],
    ) -> None:
        """A school with its groups, its staff and its teachers (through the services)."""
        school = node_create(
            actor=county_admin,
            parent=parent,
            kind=NodeKind.SCHOOL,
            name=name,
            school_kind=kind,
            code=f"{region_code}{number:04d}",
        )
        school_admin = self.user(f"school{number:02d}_admin", first_name=f"{name}教科室")
        role_grant(actor=county_admin, user=school_admin, node=school, role=Role.SCHOOL_ADMIN)
        self.school_admins[school.pk] = school_admin
        principal = self.user(f"school{number:02d}_principal", first_name=f"{name}校长")
        role_grant(actor=county_admin, user=principal, node=school, role=Role.PRINCIPAL)
        if number == 2:
            # A teacher-leader of another school, assigned to assess this one (互比互学).
            self.peer = self.user("peer_assessor", first_name="互比互学考核组")
            role_grant(actor=county_admin, user=self.peer, node=school, role=Role.PEER_ASSESSOR)
        groups = [
            (
                node_create(actor=school_admin, parent=school, kind=NodeKind.SUBJECT_GROUP, name=g),
                subjects,
            )
            for g, subjects in GROUPS[kind]
        ]
        self.schools.append((number, school, school_admin, county_admin, [g for g, _s in groups]))
        county = parent.parent
        # Each school has its own share of teachers short this year: some schools fall
        # under the 20% rule, most do not.
        short_rate = self.rnd.choice((0.04, 0.08, 0.1, 0.12, 0.15, 0.18, 0.25, 0.32))
        for i in range(size):
            seq = self.built.teachers + 1
            female = self.rnd.random() < (0.9 if kind == SchoolKind.KINDERGARTEN else 0.62)
            birth = dt.date(
                self.rnd.randrange(1968, 2002), self.rnd.randrange(1, 13), self.rnd.randrange(1, 29)
            )
            first_year = birth.year >= 1999 and self.rnd.random() < 0.4
            group, subjects = groups[i % len(groups)]
            head = kind != SchoolKind.SPECIAL and self.rnd.random() < 0.35
            if seq == 1:
                head, first_year = True, False
            user = self.user(f"t{seq:04d}")
            teacher = teacher_create(
                actor=school_admin,
                school=school,
                group=group,
                name=self.name(female),
                id_number=self.id_number(region_code, female, birth),
                phone=self.phone(),
                stage=STAGES[kind] if kind != SchoolKind.SECONDARY or i % 2 else Stage.SENIOR,
                subject=self.rnd.choice(subjects),
                title="" if first_year else self.rnd.choice(TITLES),
                head_teacher=head,
                first_year=first_year,
                hire_date=min(dt.date(self.this_year, 8, 28), self.today)
                if first_year
                else dt.date(min(birth.year + 23, self.this_year - 2), 9, 1),
                user=user,
            )
            self.built.teachers += 1
            if seq == 1:
                short = False
            elif seq == 2:
                short = True
            else:
                short = self.rnd.random() < short_rate
            self.plan_records(
                teacher=teacher,
                school_admin=school_admin,
                county=county,
                short=short,
            )

    # -- records ---------------------------------------------------------------------

    def add(
        self,
        teacher: Teacher,
        *,
        kind: str,
        date: dt.date,
        fields: dict[str, Any],
        level: str = "",
        project: Project | None = None,
        source: str,
        entered_by: Any,
        status: str = RecordStatus.CERTIFIED,
    ) -> None:
        if project is not None and not level:
            level = project.level
        record = Record(
            teacher=teacher,
            kind=kind,
            date=date,
            level=level,
            fields=fields,
            project=project,
            source=source,
            status=status,
            entered_by=entered_by,
        )
        self.pending.append((record, fields))

    def plan_records(self, *, teacher: Teacher, school_admin: Any, county: OrgNode, short: bool):
        """About 15 records over the last year and a half; a teacher meant to be short this
        year misses one of the yearly requirements, as real teachers do."""
        rnd = self.rnd
        jan1 = dt.date(self.this_year, 1, 1)
        last_dec = dt.date(self.this_year - 1, 12, 31)
        inst_user = self.institution_user

        def training(year_start: dt.date, year_end: dt.date, project: Project, **kw: Any):
            score = kw.pop("score", rnd.choice((72, 78, 81, 85, 86, 88, 90, 92, 95)))
            status = kw.pop("status", RecordStatus.CERTIFIED)
            fields = {"score": score, **kw}
            self.add(
                teacher,
                kind="training",
                date=self.day(year_start, year_end),
                fields=fields,
                project=project,
                source=RecordSource.INSTITUTION,
                entered_by=inst_user if project.institution_id else school_admin,
                status=status,
            )

        def school_based(start: dt.date, end: dt.date, total: int, status: str = "certified"):
            topics = (
                "大单元教学设计研讨",
                "新课标解读与课堂实践",
                "作业设计与评价改革",
                "同课异构与议课",
                "课堂观察与诊断",
                "信息技术与学科融合",
                "教学反思与案例撰写",
            )
            left = total
            while left > 0:
                hours = min(left, rnd.choice((6, 8, 10, 12)))
                left -= hours
                self.add(
                    teacher,
                    kind="training",
                    date=self.day(start, end),
                    level="school",
                    fields={
                        "name": f"校本研修：{rnd.choice(topics)}",
                        "mode": "school_based",
                        "module": "school_based",
                        "hours": hours,
                        "credit_per_hour": 1,
                        "school_based_category": rnd.choice(("activity", "activity", "outcome")),
                        "self_selected": True,
                    },
                    source=RecordSource.SCHOOL,
                    entered_by=school_admin,
                    status=status,
                )

        # Last year's second half: part of the year's training.
        prev, this = str(self.this_year - 1), str(self.this_year)
        catalog_prev, catalog_this = self.catalog[prev], self.catalog[this]
        if not teacher.first_year:
            training(self.history_start, last_dec, rnd.choice(catalog_prev["online"]))
            school_based(self.history_start, last_dec, rnd.choice((12, 18, 24)))
            if rnd.random() < 0.5:
                training(self.history_start, last_dec, self.catalog["county"][(prev, county.pk)])

        # This year.
        flaw = rnd.choice(("no_centralized", "little_school_based", "failed_online", "pending"))
        flaw = flaw if short else ""
        online = catalog_this["online"]
        if flaw == "failed_online":
            training(jan1, self.today, online[0], score=rnd.choice((45, 52, 58)))
        elif flaw == "pending":
            training(jan1, self.today, online[0], status=RecordStatus.SUBMITTED)
        else:
            training(jan1, self.today, online[0])
        if rnd.random() < 0.4:
            training(jan1, self.today, online[1 + rnd.randrange(2)], self_selected=True)
        if flaw == "no_centralized":
            if rnd.random() < 0.5:
                training(jan1, self.today, catalog_this["unapproved"])
        else:
            training(jan1, self.today, self.catalog["county"][(this, county.pk)])
        # A teacher short of centralized hours has no other centralized training this year.
        extra_centralized = flaw != "no_centralized"
        if extra_centralized and teacher.head_teacher and rnd.random() < 0.7:
            training(jan1, self.today, catalog_this["class_management"])
        if extra_centralized and rnd.random() < 0.3:
            training(jan1, self.today, catalog_this["knowledge"])
        little = flaw == "little_school_based"
        school_based(jan1, self.today, rnd.choice((12, 18)) if little else rnd.choice((30, 36, 42)))
        if teacher.first_year:
            self.add(
                teacher,
                kind="new_teacher_training",
                date=self.day(dt.date(self.this_year, 9, 1), self.today),
                level="county",
                fields={"name": "新教师岗前培训", "hours": 120, "practice_hours": 64},
                source=RecordSource.INSTITUTION,
                entered_by=inst_user,
            )

        # Special recognitions (第十三条), declared by the teacher with evidence.
        declared = {"source": RecordSource.DECLARED, "entered_by": teacher.user}
        roll = rnd.random() if extra_centralized else 1.0
        if roll < 0.12:
            self.add(
                teacher,
                kind="competition",
                date=self.day(jan1, self.today),
                level=rnd.choice(("county", "county", "city")),
                fields={
                    "name": "课堂教学比赛",
                    "award": rnd.choice(("first", "second", "third", "none")),
                },
                status=rnd.choice((RecordStatus.CERTIFIED, RecordStatus.SUBMITTED)),
                **declared,
            )
        elif roll < 0.18:
            self.add(
                teacher,
                kind="studio",
                date=self.day(self.history_start, last_dec),
                level=rnd.choice(("county", "city")),
                fields={
                    "name": "名师工作室年度考核",
                    "role": rnd.choice(("member", "member", "student", "host")),
                    "grade": rnd.choice(("excellent", "good", "medium")),
                },
                **declared,
            )
        elif roll < 0.23:
            self.add(
                teacher,
                kind="research_project",
                date=self.day(jan1, self.today),
                level=rnd.choice(("county", "city")),
                fields={
                    "name": "县级课题结题",
                    "role": rnd.choice(("host", "participant", "participant")),
                    "grade": rnd.choice(("excellent", "good", "medium")),
                },
                **declared,
            )
        elif roll < 0.27:
            self.add(
                teacher,
                kind="teaching",
                date=self.day(jan1, self.today),
                level="county",
                fields={"name": "县级培训授课", "hours": rnd.choice((3, 6, 9))},
                **declared,
            )
        elif roll < 0.30:
            self.add(
                teacher,
                kind="training",
                date=self.day(jan1, self.today),
                level="county",
                fields={
                    "name": "县级学科教研活动",
                    "mode": "centralized",
                    "module": "knowledge",
                    "days": 1,
                    "self_selected": True,
                },
                status=RecordStatus.DRAFT,
                **declared,
            )
        elif roll < 0.32:
            self.add(
                teacher,
                kind="competition",
                date=self.day(jan1, self.today),
                level="county",
                fields={"name": "县级说课比赛（材料不全）", "award": "third"},
                status=RecordStatus.REJECTED,
                **declared,
            )

    def build_records(self) -> None:
        """Validate every planned record with the engine's parser, insert them in bulk and
        write one ``record.create`` audit row each."""
        binding = PolicyBinding.objects.get(policy_id="puer-2023", node__kind=NodeKind.CITY)
        policy = binding.load()
        raws = []
        for index, (record, _fields) in enumerate(self.pending):
            if record.status in LOCKED_STATUSES:  # as record_certify freezes them
                record.certified_input = record_frozen_input(record)
            raw = record_to_engine_dict(record)
            raw["id"] = f"demo-{index}"
            raws.append(raw)
        from xuefen.policy import InputError

        try:
            policy.parse_records(raws)
        except InputError as exc:  # a bug in this module, not in the user's data
            raise ValidationError(f"demo record invalid: {exc}") from exc
        records = Record.objects.bulk_create([r for r, _f in self.pending], batch_size=500)
        audit_log_bulk(
            [
                audit_entry(
                    actor=r.entered_by,
                    event=Event.RECORD_CREATE,
                    target=r,
                    node=r.teacher.school,
                    new=snapshot(r, RECORD_FIELDS),
                    reason=IMPORT_REASON,
                )
                for r in records
            ]
        )
        # A returned record carries the school's reason, as record_reject would write it:
        # the teacher's "my records" page shows it.
        audit_log_bulk(
            [
                audit_entry(
                    actor=self.school_admins.get(r.teacher.school_id),
                    event=Event.RECORD_REJECT,
                    target=r,
                    node=r.teacher.school,
                    old={"status": RecordStatus.SUBMITTED},
                    new={"status": RecordStatus.REJECTED},
                    reason=RETURN_REASON,
                )
                for r in records
                if r.status == RecordStatus.REJECTED
            ]
        )
        self.built.records = len(records)

    # -- school-based training -------------------------------------------------------

    def build_school_training(self, counties: list) -> None:
        """The current semester's school-based training, through the services: school01
        has an approved plan and activities (closed ones with attendance, materials, roles
        and the records closing generated; one open today for the sign-in screen, one
        tomorrow with a leave request); every other school has a submitted plan (even
        numbers) or a draft (odd). Where the plan window has passed, the county keeps it
        open until today (an exception with its reason), as a county does for late plans."""
        from xuefen.activities.plans import plan_approve, plan_create, plan_semester, plan_submit
        from xuefen.credits.procedure import window_open
        from xuefen.credits.windows import window_exception_open

        if not self.schools:
            return
        semester = plan_semester(self.schools[0][1], semester_day=self.today)
        real_today = timezone.localdate()
        for county, _code, county_user, _areas in counties:
            is_open, span, _exception = window_open(
                school=county, window="plan", period=semester, today=real_today
            )
            if not is_open and span is not None and real_today >= semester.start:
                window_exception_open(
                    actor=county_user,
                    node=county,
                    window="plan",
                    period=semester,
                    open_until=real_today,
                    reason=PLAN_EXCEPTION_REASON,
                )
        for number, school, admin, county_user, groups in self.schools:
            plan = plan_create(
                actor=admin,
                school=school,
                period=semester,
                title=f"{school.name}{semester.name}校本研修计划",
                goals="以新课标为引领，聚焦大单元教学与作业设计，提升课堂教学能力。",
                themes="大单元教学设计；课堂观察与诊断；作业设计与评价改革",
                responsible=f"{school.name}教科室、各教研组长",
                items=self.plan_items(semester, groups),
            )
            self.built.plans += 1
            if number == 1 or number % 2 == 0:
                plan_submit(actor=admin, plan=plan)
            if number == 1:
                plan_approve(
                    actor=county_user, plan=plan, reason="计划目标明确，安排可行，同意实施。"
                )
                self.school_activities(school, admin, groups, plan, semester)

    def build_assessment(self, counties: list) -> None:
        """The first county's school assessment of last year, open today, on the bundled
        example sheet (普洱's documents have no sheet of their own): school02 evaluates
        school01 as a peer (互比互学), and school01 has begun its self-evaluation."""
        from xuefen.assessments.models import Sheet
        from xuefen.assessments.scoring import load_round_sheet
        from xuefen.assessments.services import column_save, peer_assign, round_create, round_open

        county, _code, county_user, _areas = counties[0]
        mine = [(s, a) for _n, s, a, cu, _g in self.schools if cu == county_user]
        if len(mine) < 2:
            return
        today = timezone.localdate()
        year = today.year - 1
        days = dt.timedelta
        rnd = round_create(
            actor=county_user,
            node=county,
            title=f"{year}年度学校校本研修考核（示例评分表）",
            sheet_id="wencheng-school-example",
            period_type="year",
            start=dt.date(year, 1, 1),
            end=dt.date(year, 12, 31),
            label=str(year),
            self_from=today - days(3),
            self_to=today + days(7),
            peer_from=today,
            peer_to=today + days(14),
            onsite_from=today,
            onsite_to=today + days(21),
            rectify_from=today + days(22),
            rectify_to=today + days(30),
        )
        (first, first_admin), (second, _second_admin) = mine[0], mine[1]
        peer_assign(actor=county_user, rnd=rnd, assessor=second, school=first)
        round_open(actor=county_user, rnd=rnd)
        sheet = Sheet.objects.get(round=rnd, school=first, teacher__isnull=True)
        items = load_round_sheet(rnd).judgements.items()
        values = {
            name: float(item.max) - (2 if i % 3 == 0 else 0) for i, (name, item) in enumerate(items)
        }
        column_save(actor=first_admin, sheet=sheet, column="self", values=values)

    def plan_items(self, semester: Any, groups: list[OrgNode]) -> list[dict[str, Any]]:
        """A monthly plan: each group's themed activities over the semester's months."""
        months = []
        day = semester.start
        while day <= semester.end and len(months) < 4:
            months.append(f"{day:%Y-%m}")
            day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        items = []
        for i, group in enumerate(groups):
            for j, (theme, kind) in enumerate(PLAN_THEMES[:3]):
                items.append(
                    {
                        "month": months[(i + j) % len(months)],
                        "theme": theme,
                        "type": kind,
                        "groups": [group.name],
                        "responsible": f"{group.name}组长",
                    }
                )
        return items

    def school_activities(
        self, school: OrgNode, admin: Any, groups: list[OrgNode], plan: Any, semester: Any
    ) -> None:
        """school01's activities of the semester (see :data:`DEMO_ACTIVITIES`)."""
        from django.core.files.base import ContentFile

        from xuefen.activities.services import (
            activity_close,
            activity_create,
            leave_request,
            material_add,
            materials_confirm,
            role_assign,
        )

        zone = timezone.get_current_timezone()
        now = timezone.now()
        teachers = list(Teacher.objects.filter(school=school).order_by("pk"))
        by_group: dict[int, list[Teacher]] = {}
        for teacher in teachers:
            by_group.setdefault(teacher.group_id, []).append(teacher)
        for spec in DEMO_ACTIVITIES:
            day = self.today + dt.timedelta(days=spec["day"])
            starts = dt.datetime.combine(day, spec["start"], tzinfo=zone)
            ends = dt.datetime.combine(day, spec["end"], tzinfo=zone)
            chosen = [groups[i] for i in spec["groups"] if i < len(groups)]
            members = [t for g in chosen for t in by_group.get(g.pk, [])] or teachers
            presenter = members[-1]
            activity = activity_create(
                actor=admin,
                school=school,
                theme=spec["theme"],
                type=spec["type"],
                place=spec["place"],
                starts_at=starts,
                ends_at=ends,
                hours=spec["hours"],
                groups=chosen,
                presenter=presenter,
                plan=plan if semester.start <= day <= semester.end else None,
            )
            self.built.activities += 1
            for role in spec.get("roles", ()):
                role_assign(
                    actor=admin,
                    activity=activity,
                    teacher=presenter if role != "review" else members[0],
                    role=role,
                )
            for kind in spec.get("materials", ()):
                material_add(
                    actor=admin,
                    activity=activity,
                    kind=kind,
                    file=ContentFile(demo_pdf(f"{spec['theme']} - {kind}")),
                    name=f"{MATERIAL_NAMES[kind]}.pdf",
                )
            if spec.get("confirmed"):
                materials_confirm(actor=admin, activity=activity)
            if spec.get("leave") and starts > now:
                leave_request(
                    actor=members[0].user,
                    activity=activity,
                    reason="参加县级骨干教师培训，请假一次。",
                )
            if spec.get("close") and ends < now:
                self.take_attendance(activity, admin, first=teachers[0])
                activity_close(actor=admin, activity=activity)

    def take_attendance(self, activity: Any, admin: Any, *, first: Teacher) -> None:
        """The attendance sheet of a past activity, written in bulk as an import would
        (most present, some on leave, the others left to be marked absent at closing),
        with one ``participant.attendance`` audit row each, as ``attendance_set`` writes."""
        from xuefen.activities.choices import Attendance, SignInMethod
        from xuefen.activities.models import Participation

        rows = list(Participation.objects.filter(activity=activity).order_by("pk"))
        marked: list[tuple[Participation, str]] = []
        for row in rows:
            roll = self.rnd.random()
            if row.teacher_id == first.pk or roll < 0.86:
                row.state, row.method, row.signed_by = (
                    Attendance.PRESENT,
                    SignInMethod.MANUAL,
                    admin,
                )
                row.signed_at = activity.starts_at + dt.timedelta(
                    minutes=self.rnd.randrange(-10, 6)
                )
                row.note = ATTENDANCE_SHEET
            elif roll < 0.94:
                row.state, row.note = Attendance.LEAVE, LEAVE_NOTE
            else:
                continue
            marked.append((row, row.note))
        Participation.objects.bulk_update(
            [r for r, _n in marked], ["state", "method", "signed_by", "signed_at", "note"]
        )
        audit_log_bulk(
            [
                audit_entry(
                    actor=admin,
                    event=Event.ATTENDANCE_SET,
                    target=row,
                    node=activity.school,
                    old={"state": Attendance.EXPECTED, "method": ""},
                    new={"state": row.state, "method": row.method, "teacher": row.teacher_id},
                    reason=note,
                )
                for row, note in marked
            ]
        )


def iter_logins(logins: list[DemoLogin]) -> Iterator[str]:
    """The login table as lines of text."""
    width = max(len(x.username) for x in logins)
    for login in logins:
        note = f"（{login.note}）" if login.note else ""
        yield f"  {login.username.ljust(width)}  {login.role} · {login.where}{note}"


def seed(
    *,
    schools: int = DEFAULT_SCHOOLS,
    teachers: int = DEFAULT_TEACHERS,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
) -> Built | None:
    """Build the demo world unless it is there; None when it was already seeded."""
    if is_seeded():
        return None
    builder = WorldBuilder(
        schools=schools, teachers=teachers, seed=seed, today=today or timezone.localdate()
    )
    with transaction.atomic():
        built = builder.build()
    return built
