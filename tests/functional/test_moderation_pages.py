"""The moderation pages through the web client: blind grading, comparing, completing, returning,
what the auditor sees, the QA lead's sample and the calibration page."""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from markupsafe import escape

from qa_app.extensions import db
from qa_app.moderation.models import Moderation, ModerationChange
from tests.conftest import _csrf_from, csrf_token, sign_in
from tests.functional.test_moderation_support import events, graded_keys, moderate, moderation_world, submit

SECRET_EVIDENCE = "Auditor-only evidence 7731"
SECRET_SUMMARY = "Auditor-only summary 5512"


@pytest.fixture
def blind(make_user, make_round, make_audit):
    return moderation_world(make_user, make_round, make_audit, grade=2, evidence=SECRET_EVIDENCE,
                            summary=SECRET_SUMMARY)


def _state(moderation_id):
    db.session.expire_all()
    moderation = db.session.get(Moderation, moderation_id)
    return moderation.status, moderation.audit.status, moderation.version


def grade_form(template, token, version, grade=2, overrides=None, overall=2, action="grade", rationales=None):
    data = {"csrf_token": token, "version": str(version), "action": action, "overall_grade": str(overall),
            "overall_rationale": ""}
    for key in graded_keys(template):
        data[f"g_{key}"] = str((overrides or {}).get(key, grade))
        data[f"r_{key}"] = (rationales or {}).get(key, "")
    return data


def _non_limiting(template):
    return next(k for k in graded_keys(template) if not template.question(k).limiting)


# --- blind and open --------------------------------------------------------------------------------

def test_blind_grading_never_sends_the_auditors_grades_before_the_moderator_has_graded(client, blind):
    moderation_id, template = blind.moderation.id, blind.audit.template
    sign_in(client, blind.moderator)

    page = client.get(f"/moderation/{moderation_id}/grade")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert blind.audit.case_file.reference in html
    for secret in (SECRET_EVIDENCE, SECRET_SUMMARY, "Auditor's grade", "Auditor's overall grade",
                   "Auditor's evidence", "Auditor's summary", 'id="auditor-'):
        assert secret not in html and str(escape(secret)) not in html
    assert "checked" not in html                           # nothing pre-selected, not even by accident
    assert events("moderation.viewed")[-1].detail["page"] == "grade"

    # The pages that would show the auditor's grades are closed until the moderator has graded.
    assert client.get(f"/moderation/{moderation_id}").headers["Location"].endswith(f"/moderation/{moderation_id}/grade")
    assert client.get(f"/moderation/{moderation_id}/compare").headers["Location"].endswith("/grade")
    assert client.get(f"/moderation/audits/{blind.audit.id}/versions").status_code == 403
    assert client.get(f"/audits/{blind.audit.id}").status_code == 403

    # A draft, and a refused lock-in, still show nothing of the auditor's.
    token = _csrf_from(html)
    key = _non_limiting(template)
    draft = client.post(f"/moderation/{moderation_id}/grade", data={
        "csrf_token": token, "version": str(blind.moderation.version), "action": "draft", f"g_{key}": "3"})
    assert draft.status_code == 302
    again = client.get(f"/moderation/{moderation_id}/grade").get_data(as_text=True)
    refused = client.post(f"/moderation/{moderation_id}/grade", data={
        "csrf_token": token, "version": str(_state(moderation_id)[2]), "action": "grade", f"g_{key}": "3"})
    assert refused.status_code == 400
    for html in (again, refused.get_data(as_text=True)):
        assert SECRET_EVIDENCE not in html and SECRET_SUMMARY not in html and 'id="auditor-' not in html
        assert "Auditor's grade" not in html and str(escape("Auditor's grade")) not in html
    assert "Your grades cannot be locked in yet" in refused.get_data(as_text=True)

    # Once the moderator has locked in their grades, both are shown side by side.
    locked = client.post(f"/moderation/{moderation_id}/grade",
                         data=grade_form(template, token, _state(moderation_id)[2], overrides={key: 3}))
    assert locked.status_code == 302 and locked.headers["Location"].endswith("/compare")
    compare = client.get(f"/moderation/{moderation_id}/compare").get_data(as_text=True)
    assert str(escape("Auditor's grade")) in compare
    assert SECRET_EVIDENCE in compare                       # the evidence behind the question that differs
    row = re.search(rf'data-question="{key}">(.*?)</tr>', compare, re.S).group(1)
    assert "Good" in row and "Requires improvement" in row


def test_open_moderation_shows_the_auditors_grades_from_the_start(client, make_user, make_round, make_audit):
    world = moderation_world(make_user, make_round, make_audit, blind=False, evidence=SECRET_EVIDENCE)
    sign_in(client, world.moderator)
    html = client.get(f"/moderation/{world.moderation.id}/grade").get_data(as_text=True)
    assert "Open moderation" in html
    assert SECRET_EVIDENCE in html
    key = graded_keys(world.audit.template)[0]
    block = re.search(rf'id="auditor-{key}">(.*?)</div>', html, re.S).group(1)
    assert "Good" in block


# --- the whole journey through the web ------------------------------------------------------------------

def test_disagree_with_a_rationale_complete_and_the_auditor_sees_the_outcome(client, blind):
    moderation_id, audit_id, template = blind.moderation.id, blind.audit.id, blind.audit.template
    key = _non_limiting(template)
    sign_in(client, blind.moderator)
    token = csrf_token(client, f"/moderation/{moderation_id}/grade")
    client.post(f"/moderation/{moderation_id}/grade",
                data=grade_form(template, token, _state(moderation_id)[2], overrides={key: 3}))

    version = _state(moderation_id)[2]
    missing = client.post(f"/moderation/{moderation_id}/compare",
                          data={"csrf_token": token, "version": str(version), "action": "complete",
                                f"r_{key}": "", "overall_rationale": ""})
    assert missing.status_code == 400
    assert "Give your rationale for grading differently" in missing.get_data(as_text=True)
    assert _state(moderation_id)[0] == "graded"

    done = client.post(f"/moderation/{moderation_id}/compare",
                       data={"csrf_token": token, "version": str(version), "action": "complete",
                             f"r_{key}": "The plan has no timescales.", "overall_rationale": ""})
    assert done.status_code == 302 and urlsplit(done.headers["Location"]).path == "/moderation/"
    assert _state(moderation_id)[:2] == ("completed", "moderated")
    assert db.session.get(Moderation, moderation_id).outcome == "agreed"      # overall grades agree

    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    sign_in(client, blind.auditor)
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    panel = page[page.index('id="moderation-result"'):]
    assert "Agreed" in panel and "The plan has no timescales." in panel
    row = re.search(rf'data-question="{key}">(.*?)</tr>', panel, re.S).group(1)
    assert "Good" in row and "Requires improvement" in row and "Moderated worse" in row


def test_another_auditor_sees_nothing_of_the_result(client, blind, make_user):
    moderate(blind.moderation, blind.moderator)
    sign_in(client, make_user("auditor", team="West"))
    assert client.get(f"/audits/{blind.audit.id}").status_code == 403
    assert client.get(f"/moderation/audits/{blind.audit.id}/versions").status_code == 403
    assert client.get(f"/moderation/{blind.moderation.id}").status_code == 403


def test_return_for_correction_resubmit_and_compare_versions(client, blind):
    moderation_id, audit_id, template = blind.moderation.id, blind.audit.id, blind.audit.template
    key = _non_limiting(template)
    moderate(blind.moderation, blind.moderator, grade=2, overrides={key: 3})
    sign_in(client, blind.moderator)
    token = csrf_token(client, f"/moderation/{moderation_id}/compare")
    no_comment = client.post(f"/moderation/{moderation_id}/compare", data={
        "csrf_token": token, "version": str(_state(moderation_id)[2]), "action": "return", "comments": " "})
    assert no_comment.status_code == 400 and "Say what the auditor needs to correct" in no_comment.get_data(as_text=True)
    returned = client.post(f"/moderation/{moderation_id}/compare", data={
        "csrf_token": token, "version": str(_state(moderation_id)[2]), "action": "return",
        "comments": "Look again at the plan: it has no dates."})
    assert returned.status_code == 302
    assert _state(moderation_id)[:2] == ("returned", "returned")
    queue = client.get("/moderation/").get_data(as_text=True)
    assert "waiting for the auditor" in queue

    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    sign_in(client, blind.auditor)
    form = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert 'name="version"' in form                                  # the auditor can edit again
    assert form.index("Look again at the plan") < form.index('name="version"')   # comments at the top
    submit(db.session.get(type(blind.audit), audit_id), grade=2, overrides={key: 3})
    versions = client.get(f"/moderation/audits/{audit_id}/versions").get_data(as_text=True)
    assert "What changed from version 1 to version 2" in versions
    assert str(escape(template.question(key).text)) in versions and "Requires improvement" in versions

    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    sign_in(client, blind.moderator)
    assert "Resubmitted, to complete" in client.get("/moderation/").get_data(as_text=True)
    page = client.get(f"/moderation/{moderation_id}/compare").get_data(as_text=True)
    assert "submitted it again" in page
    token = _csrf_from(page)
    done = client.post(f"/moderation/{moderation_id}/compare", data={
        "csrf_token": token, "version": str(_state(moderation_id)[2]), "action": "complete",
        "overall_rationale": ""})
    assert done.status_code == 302
    assert _state(moderation_id)[:2] == ("completed", "moderated")
    assert client.get(f"/moderation/audits/{audit_id}/versions").status_code == 200   # the moderator may compare


def test_after_resubmission_the_pages_say_so_and_a_row_now_agreed_shows_no_old_rationale(client, blind,
                                                                                         make_user):
    moderation_id, audit_id, template = blind.moderation.id, blind.audit.id, blind.audit.template
    key = _non_limiting(template)
    moderate(blind.moderation, blind.moderator, grade=2, overrides={key: 3},
             rationales={key: "STALE RATIONALE: the plan has no dates."})
    sign_in(client, blind.moderator)
    token = csrf_token(client, f"/moderation/{moderation_id}/compare")
    client.post(f"/moderation/{moderation_id}/compare", data={
        "csrf_token": token, "version": str(_state(moderation_id)[2]), "action": "return",
        f"r_{key}": "STALE RATIONALE: the plan has no dates.", "comments": "Look again at the plan."})
    assert _state(moderation_id)[:2] == ("returned", "returned")
    # The auditor agrees and corrects the grade to the moderator's.
    submit(db.session.get(type(blind.audit), audit_id), grade=2, overrides={key: 3})
    qa = client.application.test_client()
    sign_in(qa, make_user("qa_lead"))
    for page in (qa.get(f"/moderation/{moderation_id}"), qa.get(f"/moderation/rounds/{blind.audit.round_id}"),
                 qa.get(f"/audits/{audit_id}")):
        text = page.get_data(as_text=True)
        assert "Resubmitted, to complete" in text and "Returned for correction</strong>" not in text
    compare = client.get(f"/moderation/{moderation_id}/compare").get_data(as_text=True)
    row = compare[compare.index(f'data-question="{key}"'):]
    row = row[:row.index("</tr>")]
    assert "Agreed" in row and "STALE RATIONALE" not in row


def test_a_stale_form_is_a_clear_conflict_not_a_crash(client, blind):
    moderation_id, template = blind.moderation.id, blind.audit.template
    sign_in(client, blind.moderator)
    token = csrf_token(client, f"/moderation/{moderation_id}/grade")
    loaded = _state(moderation_id)[2]
    moderate(db.session.get(Moderation, moderation_id), blind.moderator, lock=False)   # saved in another tab
    response = client.post(f"/moderation/{moderation_id}/grade", data=grade_form(template, token, loaded))
    assert response.status_code == 409
    assert "changed after you opened it" in response.get_data(as_text=True)
    assert _state(moderation_id)[0] == "assigned"


# --- access ----------------------------------------------------------------------------------------

def test_only_the_assigned_moderator_moderates(client, blind, make_user):
    moderation_id = blind.moderation.id
    before = _state(moderation_id)
    sign_in(client, make_user("moderator", team="East"))
    token = csrf_token(client)
    assert client.get(f"/moderation/{moderation_id}/grade").status_code == 403
    assert client.post(f"/moderation/{moderation_id}/grade",
                       data=grade_form(blind.audit.template, token, before[2])).status_code == 403
    assert client.get(f"/moderation/{moderation_id}/compare").status_code == 403
    assert client.get(f"/moderation/{moderation_id}").status_code == 403
    assert client.get(f"/moderation/{moderation_id + 1000}/grade").status_code == 404
    assert _state(moderation_id) == before


def test_the_qa_lead_sees_every_moderation_but_grades_none(client, blind):
    sign_in(client, blind.qa)
    page = client.get(f"/moderation/{blind.moderation.id}")
    assert page.status_code == 200 and "Withdraw from moderation" in page.get_data(as_text=True)
    assert client.get(f"/moderation/{blind.moderation.id}/grade").status_code == 403
    assert client.get(f"/audits/{blind.audit.id}").status_code == 200


def test_a_forbidden_transition_is_a_clear_error(client, blind):
    moderate(blind.moderation, blind.moderator)
    from qa_app.moderation.services import complete

    complete(blind.moderation, actor=blind.moderator, rationales={}, overall_rationale="",
             expected_version=blind.moderation.version)
    db.session.commit()
    sign_in(client, blind.qa)
    response = client.get(f"/moderation/{blind.moderation.id}/withdraw")
    assert response.status_code == 409
    assert "A moderation that is completed cannot be withdrawn from moderation." in response.get_data(as_text=True)


# --- the QA lead's pages ----------------------------------------------------------------------------

def test_select_assign_add_and_withdraw_from_the_round_page(client, make_user, make_round, make_audit):
    qa = make_user("qa_lead")
    round_ = make_round(actor=qa, moderation_percent=0, moderate_outstanding=False, moderate_immediate_risk=False)
    auditor = make_user("auditor", "moderator", team="North")
    moderator = make_user("moderator", team="South")
    inadequate = submit(make_audit(auditor=auditor, round_=round_), grade=4)
    good = submit(make_audit(auditor=auditor, round_=round_), grade=2)
    round_id, inadequate_id, good_id, moderator_id = round_.id, inadequate.id, good.id, moderator.id
    sign_in(client, qa)
    token = csrf_token(client, f"/moderation/rounds/{round_id}")

    assert client.post(f"/moderation/rounds/{round_id}/select", data={"csrf_token": token}).status_code == 302
    page = client.get(f"/moderation/rounds/{round_id}").get_data(as_text=True)
    assert inadequate.case_file.reference in page and "Graded Inadequate" in page
    assert good.case_file.reference not in page.split('id="moderation-sample"')[1]

    client.post(f"/moderation/rounds/{round_id}/assign", data={"csrf_token": token})
    assert db.session.scalar(sa.select(Moderation.moderator_id).where(Moderation.audit_id == inadequate_id)) == moderator_id

    missing_reason = client.post(f"/moderation/rounds/{round_id}/add",
                                 data={"csrf_token": token, "audit_id": str(good_id), "reason": ""})
    assert missing_reason.status_code == 400
    added = client.post(f"/moderation/rounds/{round_id}/add",
                        data={"csrf_token": token, "audit_id": str(good_id), "reason": "Worker raised a concern"})
    assert added.status_code == 302
    moderation_id = db.session.scalar(sa.select(Moderation.id).where(Moderation.audit_id == good_id))
    assign_page = client.get(f"/moderation/{moderation_id}/assign").get_data(as_text=True)
    assert f'value="{auditor.id}"' not in assign_page                # never the audit's own auditor
    client.post(f"/moderation/{moderation_id}/assign", data={"csrf_token": token, "moderator_id": str(moderator_id)})
    withdrawn = client.post(f"/moderation/{moderation_id}/withdraw",
                            data={"csrf_token": token, "reason": "Added by mistake"})
    assert withdrawn.status_code == 302
    assert _state(moderation_id)[:2] == ("withdrawn", "submitted")
    page = client.get(f"/moderation/rounds/{round_id}").get_data(as_text=True)
    assert "Worker raised a concern" in page and "Added by mistake" in page
    assert [c.change for c in db.session.scalars(sa.select(ModerationChange).order_by(ModerationChange.id))] == [
        "added", "withdrawn"]
    assert events("moderation.round_viewed")


def test_round_pages_are_for_qa_leads_only(client, blind):
    sign_in(client, blind.moderator)
    assert client.get(f"/moderation/rounds/{blind.round.id}").status_code == 403
    assert client.post(f"/moderation/rounds/{blind.round.id}/select",
                       data={"csrf_token": csrf_token(client)}).status_code == 403
    assert client.get("/moderation/calibration").status_code == 403


def test_the_calibration_page(client, blind):
    sign_in(client, blind.qa)
    empty = client.get("/moderation/calibration").get_data(as_text=True)
    assert "No moderation has been completed" in empty
    moderate(blind.moderation, blind.moderator, grade=2, overall=2)       # agrees on everything
    from qa_app.moderation.services import complete

    complete(blind.moderation, actor=blind.moderator, rationales={}, overall_rationale="",
             expected_version=blind.moderation.version)
    db.session.commit()
    html = client.get(f"/moderation/calibration?round={blind.round.id}").get_data(as_text=True)
    auditors = html[html.index('id="auditors"'):html.index("</table>", html.index('id="auditors"'))]
    assert blind.auditor.display_name in auditors and "0 (0%)" in auditors
    summary = html[html.index('id="summary"'):html.index("</table>", html.index('id="summary"'))]
    # One grade throughout from both: agreement is 100 %, kappa has no chance disagreement to beat.
    assert "100%" in summary and "not defined" in summary
    assert "quadratic weights" in html
    assert client.get("/moderation/calibration?round=999999").status_code == 404


def test_home_shows_the_moderators_queue(client, blind):
    sign_in(client, blind.moderator)
    home = client.get("/home").get_data(as_text=True)
    assert re.search(r'id="moderation-queue-count">You have <strong>1</strong> audit to moderate', home)
    nav = client.get("/moderation/").get_data(as_text=True)
    assert blind.audit.case_file.reference in nav


def test_calibration_across_rounds_shows_each_auditors_trend(client, make_user, make_round, make_audit):
    from qa_app.moderation.services import complete

    worlds = [moderation_world(make_user, make_round, make_audit, grade=2) for _ in range(2)]
    for world, moderated in zip(worlds, (3, 2)):
        moderate(world.moderation, world.moderator, grade=moderated, overall=moderated)
        complete(world.moderation, actor=world.moderator,
                 rationales={k: "Why" for k in graded_keys(world.audit.template)}, overall_rationale="Why",
                 expected_version=world.moderation.version)
    db.session.commit()
    sign_in(client, worlds[0].qa)
    html = client.get("/moderation/calibration").get_data(as_text=True)
    trend = html[html.index('id="trend"'):html.index("</table>", html.index('id="trend"'))]
    assert worlds[0].round.name in trend and worlds[1].round.name in trend
    first = re.search(rf"{re.escape(worlds[0].auditor.display_name)}</th>(.*?)</tr>", trend, re.S).group(1)
    assert re.findall(r'numeric">([^<]*)</td>', first) == ["100% (1)", "–"]
    auditors = html[html.index('id="auditors"'):html.index("</table>", html.index('id="auditors"'))]
    assert auditors.index(worlds[0].auditor.display_name) < auditors.index(worlds[1].auditor.display_name)
