"""`report round --json`: compliance answers, targets and completion, checked against figures
computed here from the answers the test itself gives."""

import json
from collections import Counter
from datetime import date, timedelta
from statistics import median

import pytest

from qa_app.audits.services import save_audit
from qa_app.extensions import db
from qa_app.reports.models import Target
from qa_app.reports.targets import add_target, retire_target, status

SEEN_ALONE = ["yes", "yes", "no", "partly", "yes", "na", "no"]      # one per submitted audit
DAYS_SEEN = ["3", "10", "10", "25", "4", "7", "60"]
PLANS = ["Child in need plan", "Child protection plan", "Child protection plan", "No plan in place",
         "Child protection plan", "Child in need plan", "Child protection plan"]
ASSESSED_DAYS_AGO = [5, 40, 100, 200, 31, 0, 90]
LABELS = {"yes": "Yes", "partly": "Partly", "no": "No", "na": "Not applicable"}


def answers_for(template, i):
    today = date.today()
    answers = {}
    for q in template.questions():
        value = {"grade": 2, "yes_partly_no": "yes", "choice": q.choices[0] if q.choices else "",
                 "text": "Recorded.", "date": None, "number": None}[q.type]
        answers[q.key] = {"value": value, "evidence": ""}
    answers["child_seen_alone"]["value"] = SEEN_ALONE[i]
    answers["not_seen_alone_reason"]["value"] = "Parent refused."
    answers["days_since_child_seen"]["value"] = DAYS_SEEN[i]
    answers["current_plan"]["value"] = PLANS[i]
    answers["assessment_date"]["value"] = today - timedelta(days=ASSESSED_DAYS_AGO[i])
    return answers


@pytest.fixture
def scene(app, make_round, make_case, make_user, make_audit, runner):
    """Round A (due in the future): 7 audits submitted by two auditors of two teams, 1 not
    started. Round B (due yesterday): 1 submitted (late), 1 outstanding (overdue)."""
    north, south = make_user("auditor", team="North"), make_user("auditor", team="South")
    round_a = make_round()
    auditors = [north, north, north, south, south, south, south]
    for i, auditor in enumerate(auditors):
        audit = make_audit(auditor=auditor, round_=round_a, case=make_case(team="East"))
        save_audit(audit, actor=auditor, answers=answers_for(audit.template, i), overall_grade=2,
                   overall_summary="", immediate_risk=False, immediate_risk_reason="",
                   expected_version=audit.version, submit=True)
        db.session.commit()
    make_audit(auditor=north, round_=round_a, case=make_case(team="East"))
    round_b = make_round()
    late = make_audit(auditor=south, round_=round_b, case=make_case(team="East"))
    make_audit(auditor=south, round_=round_b, case=make_case(team="East"))
    save_audit(late, actor=south, answers=answers_for(late.template, 0), overall_grade=2, overall_summary="",
               immediate_risk=False, immediate_risk_reason="", expected_version=late.version, submit=True)
    round_b.due_date = date.today() - timedelta(days=1)
    db.session.commit()
    return {"a": round_a, "b": round_b, "north": north, "south": south}


def report_json(runner, round_):
    result = runner.invoke(args=["report", "round", round_.name, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_compliance_counts_every_option_against_the_test_own_figures(scene, runner):
    report = report_json(runner, scene["a"])
    compliance = report["compliance"]
    seen = compliance["child_seen_alone"]
    expected = Counter(LABELS[v] for v in SEEN_ALONE)
    assert set(seen) == {"question", "type", "answers", "options", "percent", "median"}
    assert seen["type"] == "yes_partly_no" and seen["question"].startswith("Has the child been seen alone")
    assert seen["answers"] == len(SEEN_ALONE)
    assert seen["options"] == {label: expected.get(label, 0) for label in ("Yes", "Partly", "No", "Not applicable")}
    assert seen["percent"] == {label: round(100 * n / len(SEEN_ALONE), 1) for label, n in seen["options"].items()}
    assert seen["median"] is None

    plan = compliance["current_plan"]
    assert plan["type"] == "choice"
    assert plan["options"]["Child protection plan"] == PLANS.count("Child protection plan")
    assert plan["options"]["Child protection plan ended in the last three months (now child in need)"] == 0
    assert plan["percent"]["Child in need plan"] == round(100 * 2 / 7, 1)

    days = compliance["days_since_child_seen"]
    assert days["type"] == "number" and days["answers"] == 7
    assert days["median"] == median(int(d) for d in DAYS_SEEN)
    assert days["options"] == {str(v): n for v, n in sorted(Counter(int(d) for d in DAYS_SEEN).items())}

    assessed = compliance["assessment_date"]
    assert assessed["type"] == "date"
    assert assessed["median"] == median(ASSESSED_DAYS_AGO)
    assert assessed["options"] == {"Within 30 days": 2, "31 to 90 days": 3, "91 to 180 days": 1,
                                   "More than 180 days": 1}

    # The reason the child was not seen alone is a text question: not a compliance figure. The
    # plan-ended questions were hidden in every audit, so nobody answered them: not reported.
    assert "not_seen_alone_reason" not in compliance and "plan_end_evidenced" not in compliance
    assert all(entry["type"] in ("yes_partly_no", "choice", "number", "date") for entry in compliance.values())


def test_completion_per_auditor_and_team(scene, runner):
    a = report_json(runner, scene["a"])["completion"]
    by_name = {row["auditor"]: row for row in a["auditors"]}
    north = by_name[scene["north"].display_name]
    assert (north["assigned"], north["submitted_on_time"], north["submitted_late"], north["outstanding"],
            north["overdue"]) == (4, 3, 0, 1, 0)
    assert {t["team"]: t["assigned"] for t in a["teams"]} == {"North": 4, "South": 4}
    assert a["total"]["submitted_on_time"] == 7 and a["total"]["percent_on_time"] == 100.0

    b = report_json(runner, scene["b"])["completion"]
    south = b["auditors"][0]
    assert (south["assigned"], south["submitted_on_time"], south["submitted_late"], south["outstanding"],
            south["overdue"]) == (2, 0, 1, 1, 1)
    assert south["percent_on_time"] == 0.0


@pytest.mark.parametrize("comparison, value, actual, expected", [
    ("at_most", 10, 8.0, "green"), ("at_most", 10, 10.0, "green"), ("at_most", 10, 15.0, "amber"),
    ("at_most", 10, 15.1, "red"), ("at_least", 90, 90.0, "green"), ("at_least", 90, 85.0, "amber"),
    ("at_least", 90, 84.9, "red"), ("at_least", 90, None, None),
])
def test_target_status(comparison, value, actual, expected):
    assert status(Target(comparison=comparison, value=value, amber_margin=5.0), actual) == expected


def test_targets_in_the_json_and_the_history(scene, runner, make_user):
    lead = make_user("qa_lead")
    add_target(name="Inadequate at most 10%", measure="percent_inadequate", comparison="at_most", value=10,
               amber_margin=5, actor=lead)
    add_target(name="Child seen alone at least 90%", measure="compliance", question_key="child_seen_alone",
               option="Yes", comparison="at_least", value=90, amber_margin=5, actor=lead)
    gone = add_target(name="Retired", measure="percent_good_or_better", comparison="at_least", value=50,
                      amber_margin=5, actor=lead)
    retire_target(gone, actor=lead)
    db.session.commit()
    report = report_json(runner, scene["a"])
    targets = {t["name"]: t for t in report["targets"]}
    assert set(targets) == {"Inadequate at most 10%", "Child seen alone at least 90%"}
    inadequate = targets["Inadequate at most 10%"]
    assert (inadequate["value"], inadequate["actual"], inadequate["status"]) == (10.0, 0.0, "green")
    seen = targets["Child seen alone at least 90%"]
    yes = round(100 * SEEN_ALONE.count("yes") / len(SEEN_ALONE), 1)
    assert (seen["value"], seen["actual"], seen["status"]) == (90.0, yes, "red")
    from qa_app.history.models import Event
    import sqlalchemy as sa
    actions = [e.action for e in db.session.scalars(sa.select(Event).where(Event.action.like("target.%")))]
    assert actions == ["target.added"] * 3 + ["target.retired"]


def test_small_numbers_are_marked(scene, runner):
    b = report_json(runner, scene["b"])
    assert b["audits"] == 1 and b["small_number"] is True
    assert all(point["small_number"] == (point["audits"] < 5) for point in b["trend"])
    a = report_json(runner, scene["a"])
    assert a["small_number"] is False


def test_the_trend_carries_each_question_s_percent_yes_and_its_answers_per_round(scene, runner):
    report = report_json(runner, scene["a"])
    points = {point["round"]: point for point in report["trend"]}
    a, b = scene["a"].name, scene["b"].name
    yes_a = round(100 * SEEN_ALONE.count("yes") / len(SEEN_ALONE), 1)
    assert points[a]["compliance_percent_yes"]["child_seen_alone"] == yes_a
    assert points[a]["compliance_answers"]["child_seen_alone"] == len(SEEN_ALONE)
    assert points[b]["compliance_percent_yes"]["child_seen_alone"] == 100.0    # round B: one audit, "yes"
    assert points[b]["compliance_answers"]["child_seen_alone"] == 1
    seen = report["compliance_trend"]["child_seen_alone"]
    assert seen["question"].startswith("Has the child been seen alone")
    assert seen["rounds"] == [
        {"round": a, "round_id": scene["a"].id, "answers": 7, "percent_yes": yes_a, "small_number": False},
        {"round": b, "round_id": scene["b"].id, "answers": 1, "percent_yes": 100.0, "small_number": True}]
    # Only yes/partly/no questions have a % Yes; hidden (never answered) questions are not drawn.
    assert "current_plan" not in report["compliance_trend"] and "plan_end_evidenced" not in report["compliance_trend"]
    assert "days_since_child_seen" not in report["compliance_trend"]


def test_the_report_page_draws_the_compliance_trend_with_a_table(scene, client, make_user):
    import re

    from tests.conftest import sign_in

    sign_in(client, make_user("viewer"))
    page = client.get(f"/reports/?rounds={scene['a'].id}").get_data(as_text=True)
    yes_a = round(100 * SEEN_ALONE.count("yes") / len(SEEN_ALONE), 1)
    figure = page[page.index('id="compliance-trend-chart-child_seen_alone"'):]
    svg = figure[:figure.index("</svg>")]
    assert 'role="img"' in svg and "% Yes across rounds: Has the child been seen alone" in svg
    assert f">{yes_a:g}%<" in svg                              # from 7 audits: a plain point
    assert ">100% (n=1)<" in svg                               # from 1 audit: says so, and is hollow
    assert re.search(r'<circle [^>]*r="5" fill="#ffffff" stroke="#1d70b8"', svg)
    assert "fewer than 5 audits (n shown)" in svg
    row = page[page.index('id="compliance-trend-child_seen_alone"'):]
    row = row[:row.index("</tr>")]
    cells = [re.sub(r"<[^>]+>", "", cell).replace(" (see the audits)", "") for cell in
             re.findall(r'<td class="govuk-table__cell govuk-table__cell--numeric">(.*?)</td>', row)]
    assert cells[0] == f"{yes_a}% (7)"
    assert cells[1].startswith("100.0% (1)") and "Fewer than 5 audits" in cells[1]
    assert 'href="#compliance-trend-heading"' in page


def test_a_trend_figure_opens_its_own_round_s_audits(scene, client, make_user):
    """The trend spans every round, so its figures link to their own round's audits, whatever
    rounds the report is limited to."""
    import html
    import re

    from tests.conftest import sign_in

    sign_in(client, make_user("qa_lead"))
    a, b = scene["a"], scene["b"]
    page = client.get(f"/reports/?rounds={a.id}").get_data(as_text=True)
    row = page[page.index('id="compliance-trend-child_seen_alone"'):]
    links = [html.unescape(h) for h in re.findall(r'href="(/reports/audits\?[^"]*)"', row[:row.index("</tr>")])]
    assert len(links) == 2 and all("rounds=" not in link for link in links)
    assert f"f_round={b.id}" in links[1] and "f_question=child_seen_alone" in links[1] and "f_option=Yes" in links[1]
    listed = client.get(links[1]).get_data(as_text=True)
    assert re.search(r'id="count"><strong>1</strong> audit\.', listed)            # round B: its one "yes"
    assert f'round {b.name}. Rounds: all.' in listed                    # names kept as written (no lower-casing)
    listed = client.get(links[0]).get_data(as_text=True)
    assert re.search(rf'id="count"><strong>{SEEN_ALONE.count("yes")}</strong> audits\.', listed)
    # The grades trend links the same way: round B's audits, by count.
    trend = page[page.index('id="trend"'):]
    trend = trend[:trend.index("</table>")]
    count_link = html.unescape(re.search(rf'href="(/reports/audits\?f_round={b.id})"', trend).group(1))
    assert re.search(r'id="count"><strong>1</strong> audit\.', client.get(count_link).get_data(as_text=True))


def test_the_board_pack_draws_the_compliance_trend(scene, runner, tmp_path):
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is missing")
    from tests.integration.test_board_pack import pdf_text

    out = tmp_path / "pack.pdf"
    result = runner.invoke(args=["report", "round", scene["a"].name, "--pdf", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(out).split())
    assert "Compliance answers across rounds" in text
    assert "100% (n=1)" in text                                 # the chart's small-number label
    assert "Has the child been seen alone" in text and "% Yes per round" in text
