"""Jinja filters and globals shared by every page: dates in UK format, navigation."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask_login import current_user

from qa_app.auth.models import Role

LONDON = ZoneInfo("Europe/London")


def uk_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def uk_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LONDON)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def navigation() -> list[dict]:
    """The service navigation for the signed-in user's roles (features add items in qa_app.panels)."""
    from qa_app.panels import NAVIGATION

    if not current_user.is_authenticated:
        return []
    endpoint = request.endpoint or ""
    blueprint = endpoint.split(".")[0]
    visible = [item for item in NAVIGATION.items if not item.roles or current_user.has_role(*item.roles)]
    # The current item: the exact page, else the first item of the same feature.
    current = next((item for item in visible if item.endpoint == endpoint), None) or next(
        (item for item in visible if item.endpoint.split(".")[0] == blueprint and blueprint != "dashboard"), None)
    return [{"href": url_for(item.endpoint), "text": item.text, "active": item is current} for item in visible]


def factor_label(key: str) -> str:
    from qa_app.cases.models import FACTORS

    return FACTORS.get(key, key)


def page_items(page, endpoint: str, query: dict) -> list[dict]:
    """Numbered links for govukPagination, with ellipses for long runs."""
    items = []
    for number in page.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1):
        if number is None:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "current": number == page.page,
                          "href": url_for(endpoint, **dict(query, page=number))})
    return items


def round_status_label(status: str) -> str:
    from qa_app.rounds.models import RoundStatus

    return RoundStatus(status).label


def audit_overdue(audit) -> bool:
    from qa_app.audits.workflow import is_overdue

    return is_overdue(audit, date.today())


def audit_status_label(status: str) -> str:
    from qa_app.audits.workflow import AuditStatus

    return AuditStatus(status).label


def grade_label(audit, value: int | None) -> str:
    if value is None:
        return "Not graded"
    return audit.template.scale.label(value)


def describe_rule(rule, teams: dict[int, str]) -> str:
    from qa_app.cases.models import CASE_TYPE_LABELS, FACTORS, CaseType

    parts = []
    if rule.size_mode == "all":
        parts.append("every matching open case file")
    elif rule.size_mode == "percent":
        parts.append(f"{rule.size}% of matching open case files in each team")
    elif rule.size_mode == "per_auditor":
        parts.append(f"{rule.size} matching open case files for each active auditor")
    else:
        parts.append(f"{rule.size} matching open case files from each team")
    if rule.case_types:
        parts.append("case types: " + ", ".join(CASE_TYPE_LABELS[CaseType(t)] for t in rule.case_types))
    if rule.team_ids:
        parts.append("teams: " + ", ".join(teams.get(t, str(t)) for t in rule.team_ids))
    names = lambda factors: ", ".join(FACTORS.get(f, f) for f in factors)  # noqa: E731
    if rule.factors:
        parts.append("with any of: " + names(rule.factors))
    if getattr(rule, "factors_all", ()):
        parts.append("with all of: " + names(rule.factors_all))
    if getattr(rule, "factors_at_least", ()):
        others = " other" if set(rule.factors_all) and not set(rule.factors_all) & set(rule.factors_at_least) else ""
        parts.append(f"with at least {rule.factors_min}{others} of: " + names(rule.factors_at_least))
    if getattr(rule, "factors_none", ()):
        parts.append("with none of: " + names(rule.factors_none))
    if getattr(rule, "plan_older_than_months", None) is not None:
        parts.append(f"plan started at least {rule.plan_older_than_months} months ago")
    if getattr(rule, "review_within_working_days", None) is not None:
        parts.append(f"next conference or review within {rule.review_within_working_days} working days")
    if getattr(rule, "plan_ended_within_days", None) is not None:
        parts.append(f"a plan ended in the last {rule.plan_ended_within_days} days")
    if rule.age_under:
        parts.append(f"children under {rule.age_under}")
    if rule.exclude_months:
        parts.append(f"leaving out files audited in the last {rule.exclude_months} months")
    return "; ".join(parts)


def evidence_grades(template) -> str:
    scale = template.scale
    labels = [scale.label(g.value) for g in scale.grades if g.value in scale.evidence_required]
    return " or ".join(labels)


def show_answer(template, question, answer) -> str:
    from qa_app.audits.services import display_answer

    return display_answer(template, question, answer)


def describe_programme_rule(programme) -> str:
    from qa_app.auth.models import Team
    from qa_app.extensions import db
    from qa_app.rounds.sampling import SampleRule

    teams = {t.id: t.name for t in db.session.scalars(db.select(Team))}
    return describe_rule(SampleRule.from_dict(programme.sample_rule), teams)


def register(app: Flask) -> None:
    from qa_app.audits.permissions import can_view_audit
    from qa_app.history.services import event_label

    from qa_app.audit_forms.scales import describe_condition

    app.add_template_global(can_view_audit, "can_view_audit")
    app.add_template_global(describe_condition, "describe_condition")
    app.add_template_global(event_label, "event_label")
    for helper in (evidence_grades, show_answer):
        app.add_template_global(helper, helper.__name__)
    for helper in (round_status_label, audit_status_label, audit_overdue, grade_label, describe_rule,
                   describe_programme_rule):
        app.add_template_global(helper, helper.__name__)
    app.add_template_filter(factor_label, "factor_label")
    app.add_template_global(page_items, "page_items")
    app.context_processor(lambda: {"today": date.today()})
    app.add_template_filter(uk_date, "uk_date")
    app.add_template_filter(uk_datetime, "uk_datetime")
    app.add_template_global(navigation, "navigation")
    app.add_template_global(Role, "Role")
