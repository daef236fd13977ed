"""Template tags of assessments for other apps' pages.

``{% school_assessment school_id period %}`` shows, on the teacher's page, the school's
assessment results falling in the period shown (文成: the semester's gate for every
teacher's school-based credits), with the engine's words — one query, whatever the page.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..models import SchoolAssessment

register = template.Library()


@register.inclusion_tag("assessments/partials/teacher_school_result.html")
def school_assessment(school_id: Any, period: Any) -> dict[str, Any]:
    """The school's results of the periods inside ``period`` (a page's PeriodChoice)."""
    if school_id is None or period is None:
        return {"results": []}
    results = list(
        SchoolAssessment.objects.filter(
            school_id=school_id, start__gte=period.start, end__lte=period.end
        )
        .only("pk", "label", "score", "rectification_score", "passed", "explanation", "start")
        .order_by("start")
    )
    return {"results": results}
