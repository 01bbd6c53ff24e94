"""The home page lists the rounds still being done, and only those."""

import re

from qa_app.extensions import db
from tests.conftest import sign_in


def test_only_rounds_still_being_done_are_in_progress(client, make_user, make_round, make_audit):
    qa = make_user("qa_lead")
    active = make_round(actor=qa)
    make_audit(round_=active, status="submitted")
    make_audit(round_=active)                              # one still to do
    all_done = make_round(actor=qa)
    make_audit(round_=all_done, status="submitted")        # every audit submitted
    reporting = make_round(actor=qa)
    make_audit(round_=reporting, status="not_started")
    reporting.status = "reporting"
    planning = make_round(actor=qa)                         # no sample yet
    db.session.commit()
    sign_in(client, qa)
    html = client.get("/home").get_data(as_text=True)
    section = html[html.index("Rounds in progress"):]
    section = section[:section.index("</ul>")]
    shown = re.findall(r">(Round \d+)</a>", section)
    assert sorted(shown) == sorted([active.name, planning.name])
    assert "1 of 2 audits submitted" in section
