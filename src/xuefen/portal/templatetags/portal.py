"""Template helpers of the portal: labels of the engine's vocabulary."""

from __future__ import annotations

from django import template

from xuefen.catalog.choices import Level, Mode, Module
from xuefen.org.choices import Role
from xuefen.org.scoping import user_grants

register = template.Library()

_LABELS = {
    "mode": dict(Mode.choices),
    "module": dict(Module.choices),
    "level": dict(Level.choices),
}


@register.filter
def vocab(value: str, kind: str) -> str:
    """The label of an engine value: ``{{ verdict.mode|vocab:"mode" }}`` → 网络研修."""
    return str(_LABELS.get(kind, {}).get(value, value or ""))


@register.simple_tag
def role_labels(user: object) -> str:
    """The user's roles, for the header (e.g. 学校管理员 · 教师)."""
    if getattr(user, "is_superuser", False):
        return ""
    labels: list[str] = []
    for grant in user_grants(user):
        label = str(Role(grant.role).label)
        if label not in labels:
            labels.append(label)
    return " · ".join(labels)


@register.simple_tag
def nav(user: object) -> list:
    """The navigation links for the user's roles (:mod:`xuefen.portal.nav`)."""
    from xuefen.portal.nav import nav_links

    return nav_links(user)


@register.filter
def num(value: object) -> str:
    """An engine number as people write it: at most 2 decimals, no trailing zeros
    (``204.3``, ``36``); empty for a missing value."""
    if value is None or value == "":
        return ""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
