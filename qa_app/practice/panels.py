"""What practice feedback adds to shared pages and to the audit: the case's people may read a
released audit (AUDIT_READERS), their released audits on the home page, the release, the worker's
response and the feedback conversation on the audit's page, "done with the worker" on the audit
form (an audit extension), and releases when moderation moves on (MODERATION_LISTENERS)."""

from wtforms import BooleanField
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput

from qa_app.audits.extensions import AUDIT_EXTENSIONS, AuditExtension
from qa_app.audits.permissions import AUDIT_READERS, can_view_audit
from qa_app.auth.models import Role
from qa_app.extensions import db
from qa_app.moderation.extensions import MODERATION_LISTENERS, ModerationListener
from qa_app.panels import AUDIT_PANELS, HOME_PANELS, NAVIGATION
from qa_app.practice import queries, services
from qa_app.practice.models import DoneWithWorker
from qa_app.practice.permissions import (
    can_read_released, can_record_conversation, can_release_by_hand, can_respond, is_case_manager, is_case_worker,
)

CASE_PEOPLE_ROLES = (Role.PRACTITIONER, Role.AUDITOR)


def _home(user):
    if not user.has_role(*CASE_PEOPLE_ROLES):
        return None
    released = queries.released_to(user, limit=10)
    return {"released": released} if released else None


def _audit(user, audit):
    if not can_view_audit(user, audit):
        return None
    record = queries.record_of(audit.id)
    return {
        "record": record, "people": services.case_people(audit),
        "can_release": can_release_by_hand(user, audit), "can_respond": can_respond(user, audit),
        "can_record_conversation": can_record_conversation(user, audit),
        "as_worker": is_case_worker(user, audit.case_file), "as_manager": is_case_manager(user, audit.case_file),
    }


# --- "done with the worker" on the audit form ---------------------------------------------------------

def _fields(_context) -> dict:
    """After the last section (None): the one checkbox."""
    return {None: {"done_with_worker": BooleanField("The case holder took part in this audit (done with the worker)",
                                                    widget=GovCheckboxInput())}}


def _form_data(audit) -> dict:
    return {"done_with_worker": db.session.get(DoneWithWorker, audit.id) is not None}


def _after_save(_audit, entered, saved) -> str | None:
    if entered is not None:
        services.set_done_with_worker(saved.audit, bool(entered), actor=saved.actor)
    return services.after_submission(saved.audit, saved.actor) if saved.submit else None


DONE_WITH_WORKER = AuditExtension(
    name="practice", context=lambda audit: audit, fields=_fields, form_data=_form_data,
    read=lambda form, _context: form.done_with_worker.data, after_save=_after_save,
    form_template="practice/_audit_form.html", order=60)

RELEASES = ModerationListener(name="practice", sample_chosen=services.release_not_selected,
                              completed=services.moderation_completed, withdrawn=services.moderation_withdrawn)


def register() -> None:
    NAVIGATION.add("practice.index", "Audits of my cases", CASE_PEOPLE_ROLES, order=16)
    HOME_PANELS.add("practice/_home_panel.html", _home, order=18)
    AUDIT_PANELS.add("practice/_audit_panel.html", _audit, order=25)
    AUDIT_EXTENSIONS.add(DONE_WITH_WORKER)
    AUDIT_READERS.add(can_read_released)
    MODERATION_LISTENERS.add(RELEASES)
