"""The programme page and the overdue audits on the QA lead's home page."""

from datetime import date, timedelta

from qa_app.extensions import db
from tests.conftest import _csrf_from, sign_in


def test_set_up_a_recurring_audit_and_see_errors_on_fields(app, client, make_user):
    sign_in(client, make_user("qa_lead"))
    page = client.get("/programme/").get_data(as_text=True)
    token = _csrf_from(page)
    bad = client.post("/programme/", data={"csrf_token": token, "name": "", "template_key": "neglect",
                                           "day_of_month": "31", "due_working_days": "10", "size_mode": "per_team",
                                           "size": "1", "exclude_months": "0", "moderation_percent": "10"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'href="#name"' in html and "Enter a day between 1 and 28" in html
    good = client.post("/programme/", data={"csrf_token": token, "name": "Neglect each month", "template_key": "neglect",
                                            "day_of_month": "3", "due_working_days": "10", "size_mode": "per_team",
                                            "size": "1", "exclude_months": "0", "moderation_percent": "10",
                                            "auto_assign": "y", "factors": ["neglect"]})
    assert good.status_code == 302
    listing = client.get("/programme/").get_data(as_text=True)
    assert "Neglect each month" in listing and "Monthly on day 3" in listing and "with any of: Neglect" in listing


def test_overdue_audits_on_the_qa_lead_home_page_only(app, client, make_audit, make_user):
    audit = make_audit(status="in_progress")
    audit.round.due_date = date.today() - timedelta(days=10)
    db.session.commit()
    sign_in(client, make_user("qa_lead"))
    home = client.get("/home").get_data(as_text=True)
    assert 'id="overdue-table"' in home and audit.case_file.reference in home
    other = app.test_client()
    sign_in(other, audit.auditor)
    assert 'id="overdue-audits"' not in other.get("/home").get_data(as_text=True)
