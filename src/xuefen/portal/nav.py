"""The links of the top navigation: each workflow page registers itself here with the
roles that use it, and the bar shows the ones the user holds and whose URL exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from xuefen.org.choices import Role
from xuefen.org.scoping import user_grants

REGION = frozenset({Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.PROVINCE_ADMIN})
SCHOOL = frozenset({Role.SCHOOL_ADMIN, Role.PRINCIPAL})


@dataclass(frozen=True)
class NavLink:
    """A link: URL name, label, and the roles that see it (None: everyone logged in)."""

    url_name: str
    label: Any
    roles: frozenset[str] | None = None


NAV_LINKS: tuple[NavLink, ...] = (
    NavLink("portal:home", _("Overview"), REGION | SCHOOL | {Role.PEER_ASSESSOR}),
    NavLink("portal:me", _("My credits"), frozenset({Role.TEACHER})),
    NavLink("records:mine", _("My records"), frozenset({Role.TEACHER})),
    NavLink("activities:calendar", _("Activities"), frozenset({Role.TEACHER})),
    NavLink("review:queue", _("Review"), SCHOOL),
    NavLink("activities:board", _("School-based training"), SCHOOL),
    NavLink("imports:records", _("Import"), frozenset({Role.SCHOOL_ADMIN}) | REGION),
    NavLink("exports:page", _("Forms"), SCHOOL | REGION | {Role.TEACHER}),
    NavLink("credits:school", _("Notice and submission"), SCHOOL | {Role.TEACHER}),
    NavLink("credits:county", _("Certification"), REGION),
    NavLink("activities:plans_county", _("Plan approval"), REGION),
    NavLink("portal:institution", _("Projects"), frozenset({Role.INSTITUTION})),
    NavLink("catalog:approvals", _("Project approval"), REGION),
    NavLink("assessments:county", _("Assessments"), REGION),
    NavLink("assessments:school_home", _("Assessments"), SCHOOL),
    NavLink("inbox:list", _("Messages"), None),
)


def nav_links(user: Any) -> list[dict[str, Any]]:
    """``[{"url", "label", "name", "count"}]`` for the user's roles, skipping pages not
    installed; the inbox carries its unread count (one indexed query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    roles = {g.role for g in user_grants(user)}
    links = []
    for link in NAV_LINKS:
        if link.roles is not None and not (roles & link.roles) and not user.is_superuser:
            continue
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        count = 0
        if link.url_name == "inbox:list":
            from xuefen.inbox.selectors import unread_count

            count = unread_count(user)
        links.append({"url": url, "label": link.label, "name": link.url_name, "count": count})
    return links
