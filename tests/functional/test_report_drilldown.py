"""Report page: targets, compliance, completion, small numbers, and the audits behind a figure,
each person seeing only the audits they may open."""

import re

from qa_app.extensions import db
from qa_app.reports.charts import trend_lines
from tests.conftest import sign_in


def _grade(make_audit, round_, auditor, make_case, grade, team="North"):
    return make_audit(auditor=auditor, round_=round_, case=make_case(team=team), status="submitted",
                      overall_grade=grade)


def test_a_figure_opens_the_audits_behind_it(app, client, make_round, make_audit, make_case, make_user):
    round_ = make_round()
    auditor = make_user("auditor", team="South")
    bad = [_grade(make_audit, round_, auditor, make_case, 4) for _ in range(2)]
    good = [_grade(make_audit, round_, auditor, make_case, 2, team="East") for _ in range(4)]
    lead = make_user("qa_lead")
    sign_in(client, lead)
    page = client.get(f"/reports/?rounds={round_.id}").get_data(as_text=True)
    link = re.search(r'<dd class="govuk-summary-list__value" id="percent-inadequate"><a class="govuk-link" '
                     r'href="([^"]+)">33.3%', page)
    assert link, page[page.index('id="headline"'):][:1500]
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "<strong>2</strong> audits" in listed
    for audit in bad:
        assert f'href="/audits/{audit.id}"' in listed
    for audit in good:
        assert f'href="/audits/{audit.id}"' not in listed
    by_team = client.get(f"/reports/audits?rounds={round_.id}&f_team=East").get_data(as_text=True)
    assert "<strong>4</strong> audits" in by_team and all(f'href="/audits/{a.id}"' in by_team for a in good)
    # A figure with fewer than 5 audits is marked on the page.
    assert page.count("Fewer than 5 audits") >= 2            # the North team (2) and a theme or type


def test_a_viewer_sees_the_count_but_not_the_audits(app, client, make_round, make_audit, make_case, make_user):
    round_ = make_round()
    audit = _grade(make_audit, round_, make_user("auditor", team="South"), make_case, 4)
    sign_in(client, make_user("viewer"))
    listed = client.get(f"/reports/audits?rounds={round_.id}&f_band=inadequate").get_data(as_text=True)
    assert "<strong>1</strong> audit." in listed
    assert "1 of them is not listed" in listed
    assert audit.case_file.reference not in listed and f"/audits/{audit.id}" not in listed


def test_an_answer_figure_lists_audits_with_that_answer(app, client, make_round, make_audit, make_case, make_user):
    from qa_app.audits.models import Answer

    round_ = make_round()
    auditor = make_user("auditor", team="South")
    audits = [_grade(make_audit, round_, auditor, make_case, 2) for _ in range(3)]
    for audit, answer in zip(audits, ["yes", "no", "no"]):
        audit.answers.append(Answer(question_key="child_seen_alone", value=answer, evidence=""))
    db.session.commit()
    sign_in(client, make_user("qa_lead"))
    page = client.get(f"/reports/?rounds={round_.id}").get_data(as_text=True)
    table = page[page.index('id="compliance-voice_of_the_child-child_seen_alone"'):]
    table = table[:table.index("</table>")]
    assert re.search(r'<th scope="row" class="govuk-table__header">No</th><td[^>]*><a class="govuk-link" '
                     r'href="[^"]*f_question=child_seen_alone&amp;f_option=No">2<', table), table
    listed = client.get(f"/reports/audits?rounds={round_.id}&f_question=child_seen_alone&f_option=No")
    html = listed.get_data(as_text=True)
    assert all(f'href="/audits/{a.id}#answer-child_seen_alone"' in html for a in audits[1:])
    assert f'href="/audits/{audits[0].id}#' not in html


def test_the_trend_does_not_draw_a_small_number_as_a_plain_point():
    svg = str(trend_lines([{"round": "One audit", "audits": 1, "small_number": True, "percent_inadequate": 100.0,
                            "percent_good_or_better": 0.0},
                           {"round": "Fifty", "audits": 50, "small_number": False, "percent_inadequate": 10.0,
                            "percent_good_or_better": 80.0}], "Trend"))
    assert "100% (n=1)" in svg and "fewer than 5 audits (n shown)" in svg
    assert "80%" in svg and "80% (n=" not in svg
