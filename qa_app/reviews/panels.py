"""What follow-up reviews add to shared pages and to the audit: navigation, the panels on a review
audit's page, and the checks a review audit's form gains (an audit extension)."""

from qa_app.audits.extensions import AUDIT_EXTENSIONS, AuditExtension
from qa_app.audits.permissions import can_view_audit
from qa_app.audits.workflow import EDITABLE_STATES
from qa_app.auth.permissions import ROUND_READERS
from qa_app.panels import AUDIT_PANELS, NAVIGATION
from qa_app.reviews import forms, services


def _intro(user, audit):
    context = services.review_context(audit)
    if context is None:
        return None
    return {"review": context, "can_open_earlier": can_view_audit(user, context.earlier),
            "editing": audit.status in EDITABLE_STATES}


def _checks(user, audit):
    if audit.reviews_audit_id is None or audit.status in EDITABLE_STATES:
        return None
    return {"review": services.review_context(audit)}


def _read(form, context) -> dict:
    return {"checks": forms.checks_from_form(form, context),
            "verify_action_ids": forms.verify_ids_from_form(form, context)}


def _check(context, entered, *, audit, actor, submit, answers) -> list[tuple[str, str]]:
    entered = entered or {}
    verify = list(entered.get("verify_action_ids", ())) if submit else []
    return services.check_problems(context, entered.get("checks", {}), verify, actor, submit, answers=answers)


def _after_save(context, entered, saved) -> None:
    entered = entered or {}
    verify = list(entered.get("verify_action_ids", ())) if saved.submit else []
    services.store_checks(context, entered.get("checks", {}), actor=saved.actor, verify_action_ids=verify)


REVIEW_CHECKS = AuditExtension(
    name="review", context=services.review_context, fields=forms.review_fields, form_data=forms.review_form_data,
    read=_read, check=_check, after_save=_after_save,
    question_template="reviews/_form_question.html", form_template="reviews/_form_orphans.html", order=10)


def register() -> None:
    NAVIGATION.add("reviews.index", "Reviews", ROUND_READERS, order=25)
    AUDIT_PANELS.add("reviews/_audit_intro.html", _intro, order=-5)
    AUDIT_PANELS.add("reviews/_audit_checks.html", _checks, order=20)
    AUDIT_EXTENSIONS.add(REVIEW_CHECKS)
