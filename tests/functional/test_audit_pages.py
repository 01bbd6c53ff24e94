"""The audit form over HTTP: drafts, submission errors, and two people saving the same audit."""

import re

from markupsafe import escape

from qa_app.extensions import db
from tests.conftest import _csrf_from, sign_in


def form_state(html):
    return {"csrf_token": _csrf_from(html),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)}


def test_draft_then_submit_errors_then_submit(app, client, make_audit):
    audit = make_audit()
    sign_in(client, audit.auditor)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert audit.case_file.reference in page and "Save draft" in page
    state = form_state(page)
    response = client.post(f"/audits/{audit.id}", data={**state, "action": "draft", "q_plan_smart": "4"})
    assert response.status_code == 302
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert re.search(r'value="4"\s+checked', page) or 'value="4" checked' in page

    state = form_state(page)
    response = client.post(f"/audits/{audit.id}", data={**state, "action": "submit", "q_plan_smart": "4",
                                                        "overall_grade": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The audit cannot be submitted yet" in html
    assert 'href="#e_plan_smart"' in html          # evidence needed for Inadequate
    assert "Answer the question" in html
    db.session.expire_all()
    assert audit.status == "in_progress"


def test_second_save_gets_a_conflict_and_keeps_what_they_typed(app, make_audit):
    audit = make_audit()
    first, second = app.test_client(), app.test_client()
    sign_in(first, audit.auditor)
    sign_in(second, audit.auditor)  # the same auditor in two browser tabs
    state_first = form_state(first.get(f"/audits/{audit.id}").get_data(as_text=True))
    state_second = form_state(second.get(f"/audits/{audit.id}").get_data(as_text=True))
    ok = first.post(f"/audits/{audit.id}", data={**state_first, "action": "draft", "q_plan_smart": "2"})
    assert ok.status_code == 302
    clash = second.post(f"/audits/{audit.id}", data={
        **state_second, "action": "draft", "q_plan_smart": "3", "e_plan_smart": "My typed evidence <b>"})
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409
    assert "Your changes have not been saved" in html
    assert "My typed evidence &lt;b&gt;" in html         # kept, and escaped
    assert "Requires improvement" in html and "Good" in html  # the difference table
    db.session.expire_all()
    assert audit.answer_map()["plan_smart"].grade == 2   # not overwritten
    # Saving again from the conflict page is a deliberate overwrite, and works.
    retry = form_state(html)
    again = second.post(f"/audits/{audit.id}", data={**retry, "action": "draft", "q_plan_smart": "3",
                                                     "e_plan_smart": "My typed evidence"})
    assert again.status_code == 302
    db.session.expire_all()
    assert audit.answer_map()["plan_smart"].grade == 3


def test_submitted_audit_is_read_only_and_listed_as_submitted(app, client, make_audit):
    audit = make_audit(status="submitted", overall_grade=3)
    sign_in(client, audit.auditor)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Save draft" not in page and "Requires improvement" in page
    mine = client.get("/audits/mine").get_data(as_text=True)
    submitted_table = mine.split('id="submitted"')[1]
    assert audit.case_file.reference in submitted_table
    token = _csrf_from(client.get("/home").get_data(as_text=True))
    assert client.post(f"/audits/{audit.id}", data={"csrf_token": token, "action": "draft"}).status_code == 403


def test_viewing_an_audit_is_recorded(app, client, make_audit):
    import sqlalchemy as sa

    from qa_app.history.models import Event

    audit = make_audit()
    sign_in(client, audit.auditor)
    client.get(f"/audits/{audit.id}")
    viewed = db.session.scalars(sa.select(Event).where(Event.action == "audit.viewed")).all()
    assert [(e.actor_id, e.object_id) for e in viewed] == [(audit.auditor_id, audit.id)]


def test_no_markup_shows_as_text_on_the_form(app, client, make_audit):
    """Once a bug: the evidence labels showed '<span class=...>' as text (escaped twice)."""
    audit = make_audit()
    sign_in(client, audit.auditor)
    html = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "&lt;span" not in html and "&lt;/" not in html
    assert '<span class="govuk-visually-hidden"> for: ' in html


def test_flagging_a_child_at_risk_says_who_has_been_told(app, client, make_audit):
    audit = make_audit()
    sign_in(client, audit.auditor)
    state = form_state(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    response = client.post(f"/audits/{audit.id}", data={**state, "action": "draft", "immediate_risk": "y",
                                                        "immediate_risk_reason": "Bruising not explained"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert html.count("govuk-notification-banner--success") == 1
    # The save is confirmed once; the escalation is a warning of its own, above it (issue 15).
    assert "Draft saved" in html and "An escalation has been raised" in html
    assert html.index('id="act-now"') < html.index("Draft saved")


def test_a_failed_submit_keeps_what_was_typed_as_a_draft(app, client, make_audit):
    audit = make_audit()
    sign_in(client, audit.auditor)
    state = form_state(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    response = client.post(f"/audits/{audit.id}", data={
        **state, "action": "submit", "q_plan_smart": "3", "e_plan_smart": "No dates in the plan.",
        "q_days_since_child_seen": "12", "overall_summary": "Typed before submitting."})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "The audit cannot be submitted yet" in html
    assert 'id="draft-kept"' in html and "saved as a draft" in html
    db.session.expire_all()
    assert audit.status == "in_progress" and audit.overall_summary == "Typed before submitting."
    saved = audit.answer_map()
    assert (saved["plan_smart"].grade, saved["plan_smart"].evidence) == (3, "No dates in the plan.")
    # The page carries the saved version: the next save is not a conflict.
    assert form_state(html)["version"] == str(audit.version)
    again = client.post(f"/audits/{audit.id}", data={**form_state(html), "action": "draft", "q_plan_smart": "2"})
    assert again.status_code == 302


def test_the_error_summary_follows_the_page_and_numbers_come_back_as_typed(app, client, make_audit):
    audit = make_audit()
    sign_in(client, audit.auditor)
    state = form_state(client.get(f"/audits/{audit.id}").get_data(as_text=True))
    html = client.post(f"/audits/{audit.id}", data={
        **state, "action": "submit", "immediate_risk": "y", "immediate_risk_reason": "",
        "q_days_since_child_seen": "12"}).get_data(as_text=True)
    summary = html[html.index("govuk-error-summary__list"):html.index("</ul>", html.index("govuk-error-summary__list"))]
    links = re.findall(r'href="#([a-z_]+)"', summary)
    # Page order: the risk flag's reason at the top, the questions in order, the overall grade last.
    assert links[0] == "immediate_risk_reason" and links[-1] == "overall_grade"
    questions = [name for name in links if name.startswith("q_")]
    page_order = [m for m in re.findall(r'id="(q_[a-z_]+)"', html) if m in questions]
    assert questions == list(dict.fromkeys(page_order))
    assert re.search(r'name="q_days_since_child_seen"[^>]*value="12"', html)
    assert "12.00" not in html


def test_the_conflict_table_shows_both_answers_as_people_read_them(app, make_audit):
    audit = make_audit()
    first, second = app.test_client(), app.test_client()
    sign_in(first, audit.auditor)
    sign_in(second, audit.auditor)
    state_first = form_state(first.get(f"/audits/{audit.id}").get_data(as_text=True))
    state_second = form_state(second.get(f"/audits/{audit.id}").get_data(as_text=True))
    first.post(f"/audits/{audit.id}", data={**state_first, "action": "draft", "q_child_seen_alone": "yes",
                                            "q_assessment_date": ["3", "10", "2026"]})
    clash = second.post(f"/audits/{audit.id}", data={**state_second, "action": "draft", "q_child_seen_alone": "no",
                                                     "q_assessment_date": ["4", "10", "2026"]})
    table = clash.get_data(as_text=True)
    table = table[table.index("Where your answers differ"):table.index("</table>", table.index("Where your answers differ"))]
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', table)
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    assert [row[1:] for row in rows] == [["Yes", "No"], ["3 October 2026", "4 October 2026"]] or \
        [row[1:] for row in rows] == [["3 October 2026", "4 October 2026"], ["Yes", "No"]]


def test_text_over_the_limit_names_the_question_and_the_form_counts_characters(app, client, make_audit):
    audit = make_audit()
    sign_in(client, audit.auditor)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert 'data-module="govuk-character-count"' in page and 'data-maxlength="20000"' in page
    question = audit.template.question("plan_smart").text
    html = client.post(f"/audits/{audit.id}", data={**form_state(page), "action": "draft", "q_plan_smart": "3",
                                                    "e_plan_smart": "x" * 20_001}).get_data(as_text=True)
    assert str(escape(f"The evidence for “{question}” must be 20,000 characters or fewer (it has 20001)")) in html
    assert "Field cannot be longer than" not in html
    db.session.expire_all()
    assert "plan_smart" not in audit.answer_map()


def test_conditional_questions_carry_their_condition_and_no_inline_script(app, client, make_audit):
    audit = make_audit()
    sign_in(client, audit.auditor)
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    block = re.search(r'<div class="app-question" id="question-not_seen_alone_reason"[^>]*>', page).group(0)
    assert 'data-show-if="child_seen_alone"' in block
    assert 'data-show-if-answers="[&#34;partly&#34;, &#34;no&#34;]"' in block
    assert "Answer this only if" in page                       # said in words for anyone without JavaScript
    assert '<script type="module" src="/static/conditional.js"></script>' in page
    main = page[page.index("<main"):]                           # (the GOV.UK page template's own is issue 11's)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", main)  # no inline script of ours
    script = client.get("/static/conditional.js")
    assert script.status_code == 200 and b"data-show-if" in script.data
    script.close()
