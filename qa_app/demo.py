"""`demo`: realistic synthetic data for trying the service. Idempotent; no real names."""

import random
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app

from qa_app.audit_forms.services import current_version, sync_templates
from qa_app.auth.models import Role, User
from qa_app.auth.services import create_user, get_or_create_team
from qa_app.cases.models import FACTORS, CaseFactor, CaseFile
from qa_app.extensions import db
from qa_app.rounds import services as rounds
from qa_app.rounds.models import AuditRound
from qa_app.rounds.sampling import SampleRule

DEMO_PASSWORD = "demo-password-2026"
TEAMS = {
    # team: (service area, case types with weights)
    "Front door and MASH": ("Early help and front door", {"EH": 5, "CIN": 3, "PF": 1}),
    "Assessment": ("Children in need and protection", {"CIN": 5, "CP": 3}),
    "CIN and CP hub North": ("Children in need and protection", {"CIN": 5, "CP": 4}),
    "CIN and CP hub South": ("Children in need and protection", {"CIN": 5, "CP": 4}),
    "Looked-after children": ("Children in care", {"CLA": 10, "PF": 1}),
    "Leaving care": ("Children in care", {"CL": 10}),
}
TEAM_SIZES = {"Front door and MASH": 180, "Assessment": 200, "CIN and CP hub North": 250,
              "CIN and CP hub South": 250, "Looked-after children": 200, "Leaving care": 120}
USERS = [
    ("qa.lead@example.org", "Quality assurance lead", [Role.QA_LEAD, Role.MODERATOR], None),
    ("moderator@example.org", "Service manager (moderator)", [Role.MODERATOR, Role.AUDITOR], "Assessment"),
    ("tm.mash@example.org", "Team manager, front door", [Role.AUDITOR], "Front door and MASH"),
    ("tm.assessment@example.org", "Team manager, assessment", [Role.AUDITOR], "Assessment"),
    ("tm.north@example.org", "Team manager, hub north", [Role.AUDITOR], "CIN and CP hub North"),
    ("tm.south@example.org", "Team manager, hub south", [Role.AUDITOR], "CIN and CP hub South"),
    ("tm.lac@example.org", "Team manager, looked-after children", [Role.AUDITOR], "Looked-after children"),
    ("tm.leaving@example.org", "Team manager, leaving care", [Role.AUDITOR], "Leaving care"),
    ("iro@example.org", "Independent reviewing officer", [Role.IRO], None),
    ("social.worker@example.org", "Social worker, hub north", [Role.PRACTITIONER], "CIN and CP hub North"),
    ("viewer@example.org", "Improvement board member", [Role.VIEWER], None),
    ("admin@example.org", "System administrator", [Role.ADMIN], None),
]
ROUND_NAME = "Demo: monthly CIN and CP audit"


@click.command("demo", help="Load synthetic demo data: teams, users, about 1,200 case files, three completed "
                            "past rounds (partly moderated) and one round in progress.")
@click.option("--seed", default=2026, show_default=True, help="Random seed for the synthetic data.")
def demo_command(seed: int) -> None:
    if current_app.config.get("QA_ENV") == "production":
        click.echo("The demo refuses to run with QA_ENV=production: it would create 12 active accounts, "
                   "an administrator among them, whose password is published. Load demo data only into "
                   "a development database.", err=True)
        raise SystemExit(1)
    created = load_demo(seed)
    db.session.commit()
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data already present; nothing changed.")
    click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, name, roles, _team in USERS:
        click.echo(f"  {email:32} {', '.join(r.value for r in roles)}")


def load_demo(seed: int) -> bool:
    """Create the demo data unless it is there already. Returns True when it created it."""
    if db.session.scalar(sa.select(User.id).where(User.email == USERS[0][0])) is not None:
        return False
    rng = random.Random(seed)
    sync_templates(current_app.config["TEMPLATES_DIR"])
    teams = {}
    for name, (area, _types) in TEAMS.items():
        team = get_or_create_team(name)
        team.service_area = area
        teams[name] = team
    for email, display_name, roles, team in USERS:
        create_user(email=email, display_name=display_name, roles=roles,
                    team=teams[team] if team else None, password=DEMO_PASSWORD)
    _make_cases(rng, teams)
    db.session.flush()
    _make_history(rng)
    _make_practice_loop(rng)
    _make_round(seed)
    return True


def _make_practice_loop(rng: random.Random) -> None:
    """Linked workers and managers, released audits, conversations and responses (issue 13's loop)."""
    from qa_app.practice import demo as practice

    past = [name for name, *_ in HISTORY]
    practice.link_people(rng, past)
    practice.release_past_rounds(rng, past)
    practice.family_feedback(rng, past)
    practice.observation_round(rng)
    practice.disputes_and_learning(rng, past)


def _make_cases(rng: random.Random, teams: dict) -> None:
    today = date.today()
    used = set()
    workers = [f"Worker {letter}{n}" for letter in "ABCDEFGH" for n in range(1, 6)]
    factor_weights = {"domestic_abuse": 30, "neglect": 25, "parental_mental_health": 20,
                      "substance_misuse": 15, "exploitation": 6, "missing": 5, "physical_abuse": 8,
                      "sexual_abuse": 3, "emotional_abuse": 10, "disability": 6, "young_carer": 3,
                      "unaccompanied_asylum_seeking": 2}
    for team_name, count in TEAM_SIZES.items():
        types = TEAMS[team_name][1]
        for _ in range(count):
            reference = f"P{rng.randrange(100000, 999999)}"
            while reference in used:
                reference = f"P{rng.randrange(100000, 999999)}"
            used.add(reference)
            case_type = rng.choices(list(types), weights=list(types.values()))[0]
            age_days = rng.randrange(18 * 365 + 1, 21 * 365) if case_type == "CL" else (
                rng.randrange(30, 18 * 365 - 30))
            opened = today - timedelta(days=rng.randrange(14, min(age_days, 5 * 365)))
            case = CaseFile(reference=reference, case_type=case_type, team=teams[team_name],
                            allocated_worker=rng.choice(workers),
                            date_of_birth=today - timedelta(days=age_days), open_date=opened)
            n_factors = rng.choices([0, 1, 2, 3], weights=[2, 4, 3, 1])[0]
            chosen = set()
            while len(chosen) < n_factors:
                chosen.add(rng.choices(list(factor_weights), weights=list(factor_weights.values()))[0])
            case.factor_rows = [CaseFactor(factor=f) for f in sorted(chosen) if f in FACTORS]
            _plan_dates(case, today)
            db.session.add(case)


def _plan_dates(case: CaseFile, today: date) -> None:
    """Plan dates for the themed samples, from a generator of the case's own (seeded by its
    reference), so adding them changes nothing else the demo draws."""
    rng = random.Random(f"plan:{case.reference}")
    if case.case_type in ("CP", "CIN", "CLA", "CL"):
        started = today - timedelta(days=rng.randrange(20, 600))
        case.plan_start_date = max(started, case.open_date or started)
        if case.case_type in ("CP", "CLA"):
            case.next_review_date = today + timedelta(days=rng.randrange(3, 120))
    if case.case_type == "CIN" and rng.random() < 0.3:
        case.plan_end_date = today - timedelta(days=rng.randrange(5, 300))


def _make_round(seed: int) -> None:
    qa_lead = db.session.scalar(sa.select(User).where(User.email == USERS[0][0]))
    version = current_version("cp-cin-case-file")
    if version is None or db.session.scalar(sa.select(AuditRound.id).where(AuditRound.name == ROUND_NAME)):
        return
    today = date.today()
    round_ = rounds.create_round(
        name=ROUND_NAME, template_version=version, due_date=today + timedelta(days=28),
        rule=SampleRule(case_types=("CIN", "CP"), size_mode="per_team", size=4), seed=seed,
        actor=qa_lead, today=today,
    )
    db.session.flush()
    rounds.confirm_sample(round_, actor=qa_lead, today=today)
    db.session.flush()
    rounds.auto_assign(round_, actor=qa_lead)


# Past rounds showing improvement, as in the seeds: half the files Inadequate at first, then fewer.
HISTORY = [
    # (name, days ago, number of files, how many the auditors graded Outstanding, Good, RI, Inadequate)
    ("Baseline audit: spring 2026", 200, 24, (0, 3, 9, 12)),
    ("Monthly audit: summer 2026", 120, 20, (1, 6, 7, 6)),
    ("Monthly audit: autumn 2026", 45, 16, (3, 6, 4, 3)),
]


def _make_history(rng: random.Random) -> None:
    """Completed, partly moderated rounds in the past, so reports and trends have something to show.
    Stored through the services that record past work (as a results import does)."""
    from datetime import datetime, time

    from qa_app.audits.services import record_submitted
    from qa_app.audits.workflow import AuditStatus
    from qa_app.moderation.services import record_completed

    version = current_version("cp-cin-case-file")
    template = version.template
    graded = [q for q in template.questions() if q.is_graded]
    others = [q for q in template.questions() if not q.is_graded]
    auditors = list(db.session.scalars(sa.select(User).where(User.email.like("tm.%")).order_by(User.email)))
    moderator = db.session.scalar(sa.select(User).where(User.email == "moderator@example.org"))
    qa_lead = db.session.scalar(sa.select(User).where(User.email == USERS[0][0]))
    cases = list(db.session.scalars(sa.select(CaseFile).where(CaseFile.case_type.in_(["CIN", "CP"]))
                                    .order_by(CaseFile.reference)))
    rng.shuffle(cases)
    today = date.today()
    for name, days_ago, count, weights in HISTORY:
        started = datetime.combine(today - timedelta(days=days_ago), time(9))
        round_ = rounds.record_past_round(
            name=name, template_version=version, started_at=started, due_date=(started + timedelta(days=21)).date(),
            seed=rng.randrange(1, 10**6), created_by_id=qa_lead.id,
            sample_rule={"case_types": ["CIN", "CP"], "size_mode": "per_team", "size": 5})
        db.session.flush()
        grades = [grade for grade, n in zip((1, 2, 3, 4), weights) for _ in range(n)]
        rng.shuffle(grades)
        for index in range(count):
            case = cases.pop()
            auditor = next(a for a in auditors[index % len(auditors):] + auditors if a.team_id != case.team_id)
            overall = grades[index]
            submitted = started + timedelta(days=rng.randrange(3, 20), hours=rng.randrange(0, 8))
            answers = {}
            for question in graded:
                grade = max(1, min(4, overall + rng.choice([-1, 0, 0, 0, 1]))) if not question.limiting else overall
                answers[question.key] = {"value": grade, "evidence": "Demo evidence." if grade >= 3 else ""}
            for question in others:  # every required answer, so a returned audit can be corrected and resubmitted
                value = {"yes_partly_no": rng.choice(["yes", "partly", "no"]), "choice": question.choices[0]
                         if question.choices else "", "text": "Synthetic demo notes.",
                         "date": (submitted - timedelta(days=rng.randrange(10, 90))).date().isoformat(),
                         "number": str(rng.randrange(1, 40))}[question.type]
                answers[question.key] = {"value": value, "evidence": ""}
            moderated_by = index % 4 == 0 and moderator.id != auditor.id
            audit = record_submitted(
                round_=round_, case_file=case, template_version=version, auditor=auditor,
                status=AuditStatus.MODERATED if moderated_by else AuditStatus.SUBMITTED, overall_grade=overall,
                overall_summary="Synthetic demo audit: no real case.", immediate_risk=False, immediate_risk_reason="",
                submitted_at=submitted, answers=answers, sampled_by="rule")
            audit.created_at = audit.started_at = started
            if overall == 4 and name == HISTORY[-1][0]:
                _demo_action(audit, question=graded[0], submitted=submitted, rng=rng)
            if moderated_by:
                # The moderator finds the auditor optimistic about one file in three.
                # …except in the latest round, where the auditors' grading has caught up.
                moderated = min(4, overall + 1) if index % 3 == 0 and name != HISTORY[-1][0] else overall
                moderation = record_completed(
                    audit, moderator=moderator, overall_grade=moderated,
                    overall_rationale="Demo rationale." if moderated != overall else "",
                    answers={q.key: (moderated if q.limiting else answers[q.key]["value"],
                                     "Demo rationale." if q.limiting and moderated != answers[q.key]["value"] else "")
                             for q in graded},
                    selected_because="percentage", completed_at=submitted + timedelta(days=3))
                moderation.created_at, moderation.graded_at = submitted, submitted + timedelta(days=2)
        db.session.flush()


def _demo_action(audit, *, question, submitted, rng: random.Random) -> None:
    """An action on an Inadequate file of the latest past round, owned by the demo social worker."""
    from qa_app.actions.models import Action

    worker = db.session.scalar(sa.select(User).where(User.email == "social.worker@example.org"))
    due = submitted.date() + timedelta(days=rng.choice([14, 28, 60]))
    db.session.add(Action(audit=audit, question_key=question.key, owner_id=worker.id, due_date=due,
                          description=f"Bring the file up to standard on: {' '.join(question.text.split())}",
                          created_at=submitted + timedelta(days=1), created_by_id=audit.auditor_id))
