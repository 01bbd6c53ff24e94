"""The stored report follows the practice loop: releasing an audit, the worker's response, the
feedback conversation, 'done with the worker', family feedback, raising and deciding a dispute and
publishing a learning brief each feed a figure (`worker_feedback`, `feedback`, `by_source`,
`moderation.disputes`, the final grades, `since_brief`), so each raises the report's version and
the next report served is the fresh one, different from before (see qa_app.reports.cache)."""

from datetime import date
from types import SimpleNamespace

import pytest

from qa_app.extensions import db
from qa_app.reports.builder import build_report
from qa_app.reports.cache import cached_report, current_version
from qa_app.reports.queries import ReportFilter
from tests.functional.test_moderation_support import moderate, moderation_world, submit

TODAY = date.today()
EVERYTHING = ReportFilter()


@pytest.fixture
def people(make_user):
    return SimpleNamespace(auditor=make_user("auditor", team="South"), worker=make_user("practitioner", team="North"),
                           manager=make_user("auditor", team="North"), qa=make_user("qa_lead"))


def _released_audit(make_audit, make_case, people, *, release=True):
    from qa_app.practice import services

    case = make_case(team="North", worker=people.worker, manager=people.manager)
    audit = submit(make_audit(auditor=people.auditor, case=case), grade=3)
    if release:
        services.release_by_hand(audit, actor=people.qa)
    db.session.commit()
    return audit


def _release(w):
    from qa_app.practice import services

    audit = _released_audit(w.make_audit, w.make_case, w.people, release=False)
    return EVERYTHING, lambda: services.release_by_hand(audit, actor=w.people.qa)


def _response(w):
    from qa_app.practice import services

    audit = _released_audit(w.make_audit, w.make_case, w.people)
    return EVERYTHING, lambda: services.respond(audit, actor=w.people.worker, agreement="disagree",
                                                will_do="Talk it through", comments="", expected_version=None)


def _conversation(w):
    from qa_app.practice import services

    audit = _released_audit(w.make_audit, w.make_case, w.people)
    return EVERYTHING, lambda: services.record_conversation(
        audit, actor=w.people.manager, held_on=TODAY, attendees="The worker and me", method="in_person",
        notes="", today=TODAY, expected_version=None)


def _done_with_worker(w):
    from qa_app.practice import services

    audit = _released_audit(w.make_audit, w.make_case, w.people)
    return EVERYTHING, lambda: services.set_done_with_worker(audit, True, actor=w.people.auditor)


def _family_feedback(w):
    from qa_app.feedback.services import save_feedback

    audit = _released_audit(w.make_audit, w.make_case, w.people, release=False)
    return EVERYTHING, lambda: save_feedback(
        None, actor=w.people.qa, case_file=audit.case_file, round_=audit.round, audit=audit, respondent="foster_carer",
        method="phone", consent=True, received_on=TODAY, what_changed="", today=TODAY,
        answers={"fb_understood_why": "yes", "fb_child_words": "Better now."})


def _moderated(w):
    """An audit graded Good by its auditor, moderated to Requires improvement."""
    from qa_app.moderation.services import complete

    m = moderation_world(w.make_user, w.make_round, w.make_audit, grade=2)
    moderate(m.moderation, m.moderator, grade=3, overall=3)
    complete(m.moderation, actor=m.moderator,
             rationales={q.key: "Weaker" for q in m.audit.template.questions() if q.is_graded},
             overall_rationale="Plans are not SMART.", expected_version=m.moderation.version)
    db.session.commit()
    return m


def _dispute_raised(w):
    from qa_app.disputes.services import raise_dispute

    m = _moderated(w)
    return EVERYTHING, lambda: raise_dispute(m.audit, actor=m.auditor, reason="The plan is reviewed monthly.",
                                             today=TODAY, window=10)


def _dispute_decided(w):
    from qa_app.disputes.services import decide, raise_dispute

    m = _moderated(w)
    dispute = raise_dispute(m.audit, actor=m.auditor, reason="The plan is reviewed monthly.", today=TODAY, window=10)
    db.session.commit()
    qa = w.make_user("qa_lead")
    return EVERYTHING, lambda: decide(dispute, actor=qa, decision="uphold_auditor", grade=None,
                                      rationale="The file shows monthly reviews.", expected_version=None)


def _brief_published(w):
    from qa_app.learning.services import draft_brief, publish_brief

    qa = w.people.qa
    first = w.make_round(actor=qa)
    submit(w.make_audit(auditor=w.people.auditor, round_=first, case=w.make_case()), grade=3)
    brief = draft_brief(first, actor=qa)
    db.session.commit()
    second = w.make_round(actor=qa)
    submit(w.make_audit(auditor=w.people.auditor, round_=second, case=w.make_case()), grade=2)
    return (ReportFilter(round_ids=[second.id]),
            lambda: publish_brief(brief, actor=qa, team_ids=[w.people.manager.team_id]))


CHANGES = {"released": _release, "worker's response": _response, "feedback conversation": _conversation,
           "done with the worker": _done_with_worker, "family feedback": _family_feedback,
           "dispute raised": _dispute_raised, "dispute decided": _dispute_decided, "brief published": _brief_published}


@pytest.mark.parametrize("name", CHANGES)
def test_each_change_in_the_practice_loop_invalidates_the_stored_report(app, make_user, make_round, make_audit,
                                                                        make_case, people, name):
    w = SimpleNamespace(make_user=make_user, make_round=make_round, make_audit=make_audit, make_case=make_case,
                        people=people)
    filters, change = CHANGES[name](w)
    before = cached_report(filters, today=TODAY)
    db.session.commit()
    version = current_version()
    assert cached_report(filters, today=TODAY) == before          # served from the store meanwhile
    change()
    db.session.commit()
    assert current_version() > version, f"{name} did not raise the report version"
    after = cached_report(filters, today=TODAY)
    db.session.commit()
    assert after == build_report(filters, today=TODAY)
    assert after != before, f"{name} changed no figure: the test does not test anything"
