"""The access policy and request scenarios of the IRO challenge routes, for the route × role matrix
in tests/functional/test_access_matrix.py, which merges every access_*.py module.

A challenge is decided per record. Here the matrix's "own" relation (the world's audit is assigned
to the principal) means:

- challenges.show / challenges.respond: the principal is named as the responder at the
  challenge's current stage;
- challenges.accept / escalate / responders / withdraw / cafcass: the principal is the IRO who
  raised the challenge.

In an "other" world the challenges are raised by an IRO and answered by a practitioner who are not
principals of the matrix, so only a QA lead (any challenge) or, to read, any IRO gets in.
`extend_world` makes two challenges per world before anything is measured, on the world's case
file: one awaiting a response and one already answered (for accepting), so each world sees at
most one allowed change to each. Raising a challenge (new_for_case POST) makes a third.

The rules beyond roles (a moderator who is not named cannot respond; another IRO reads but does
not escalate; a viewer sees the list and the report but not the concern) are tested per record in
test_challenge_pages.py and tests/unit/test_challenge_workflow.py.
"""

from datetime import date

from flask import url_for

from qa_app.extensions import db
from tests.functional.matrix_common import QA_LEAD, Call, PerRecord, _date_parts

IRO = frozenset({"iro"})
LIST_ALL = frozenset({"qa_lead", "viewer"})
REPORT = frozenset({"qa_lead", "viewer", "iro"})
RESPONDER_ROLES = frozenset({"practitioner", "auditor", "moderator", "qa_lead"})   # viewers change nothing
CHALLENGE_USERS = IRO | LIST_ALL | RESPONDER_ROLES
NAMED = frozenset({"practitioner", "auditor", "moderator"})   # who can be named (QA leads respond anyway)

POLICY = {
    "challenges.index": {"GET": CHALLENGE_USERS},
    "challenges.mine": {"GET": IRO},
    "challenges.awaiting": {"GET": RESPONDER_ROLES},
    "challenges.all": {"GET": LIST_ALL},
    "challenges.report": {"GET": REPORT},
    "challenges.new": {"GET": IRO},
    "challenges.new_for_case": {"GET": IRO, "POST": IRO},
    # Any IRO or QA lead reads a challenge; a responder reads the ones they are named on.
    "challenges.show": {"GET": PerRecord(owner=NAMED, any_record=IRO | QA_LEAD)},
    # The responders named at the current stage respond; so may any QA lead.
    "challenges.respond": {"POST": PerRecord(owner=NAMED, any_record=QA_LEAD)},
    # The IRO who raised it progresses it; so may any QA lead.
    "challenges.accept": {"POST": PerRecord(owner=IRO, any_record=QA_LEAD)},
    "challenges.escalate": {"GET": PerRecord(owner=IRO, any_record=QA_LEAD),
                            "POST": PerRecord(owner=IRO, any_record=QA_LEAD)},
    "challenges.responders": {"GET": PerRecord(owner=IRO, any_record=QA_LEAD),
                              "POST": PerRecord(owner=IRO, any_record=QA_LEAD)},
    "challenges.withdraw": {"GET": PerRecord(owner=IRO, any_record=QA_LEAD),
                            "POST": PerRecord(owner=IRO, any_record=QA_LEAD)},
    "challenges.cafcass": {"GET": PerRecord(owner=IRO, any_record=QA_LEAD),
                           "POST": PerRecord(owner=IRO, any_record=QA_LEAD)},
}


def extend_world(app, people, world) -> None:
    """Two challenges on the world's case file (see the module docstring); ids in world.extra."""
    import sqlalchemy as sa

    from qa_app.audits.models import Audit
    from qa_app.auth.models import Role, User
    from qa_app.auth.services import create_user
    from qa_app.cases.models import CaseFile
    from qa_app.challenges import services
    from qa_app.challenges.permissions import RESPONDER_ROLES as CAN_BE_NAMED

    with app.app_context():
        other = db.session.get(User, people["other_auditor"].id)
        owner_of_world = db.session.scalar(sa.select(Audit.auditor_id).where(Audit.id == world.audit_id))
        mine = db.session.get(User, owner_of_world) if owner_of_world != other.id else None
        raiser = mine if mine is not None and mine.has_role(Role.IRO) else create_user(
            email=f"mx-iro-{world.tag}@example.org", roles=[Role.IRO], display_name=f"IRO {world.tag}")
        responder = mine if mine is not None and mine.has_role(*CAN_BE_NAMED) else create_user(
            email=f"mx-worker-{world.tag}@example.org", roles=[Role.PRACTITIONER],
            display_name=f"Worker {world.tag}")
        db.session.flush()
        case = db.session.get(CaseFile, world.case_id)
        made = {}
        for name in ("open_challenge", "answered_challenge"):
            challenge = services.raise_challenge(
                case_file=case, actor=raiser, category="drift_delay", concern="Matrix: no plan for 14 months.",
                outcome_sought="Matrix: a permanence plan.", today=date.today())
            services.change_responders(challenge, actor=raiser, responder=responder, second_responder=None,
                                       expected_version=challenge.version)
            if name == "answered_challenge":
                services.respond(challenge, actor=responder, response="Matrix: plan at panel on Friday.",
                                 expected_version=challenge.version)
            made[name] = challenge
        db.session.commit()
        for name, challenge in made.items():
            world.extra[name] = challenge.id
            world.extra[f"{name}_version"] = challenge.version


def _on(endpoint: str, method: str, which: str = "open_challenge", data=None, event: str | None = None):
    """A request on one of the world's challenges: GET shows a page; POST changes it and goes back to it."""
    def scenario(w, who):
        challenge_id = w.extra[which]
        path = url_for(endpoint, challenge_id=challenge_id)
        if method == "GET":
            return Call(path, 200, event=event)
        return Call(path, 302, f"/challenges/{challenge_id}", event=event,
                    data={"version": str(w.extra[f"{which}_version"]), **(data(w) if callable(data) else data)})

    return scenario


SCENARIOS = {
    ("challenges.index", "GET"): lambda w, who: Call(url_for("challenges.index"), 302,
                                                    r"/challenges/(mine|all|awaiting)"),
    ("challenges.mine", "GET"): lambda w, who: Call(url_for("challenges.mine"), 200, event="challenges.listed"),
    ("challenges.awaiting", "GET"): lambda w, who: Call(url_for("challenges.awaiting"), 200,
                                                       event="challenges.listed"),
    ("challenges.all", "GET"): lambda w, who: Call(url_for("challenges.all"), 200, event="challenges.listed"),
    ("challenges.report", "GET"): lambda w, who: Call(url_for("challenges.report"), 200,
                                                     event="challenges.report_viewed"),
    ("challenges.new", "GET"): lambda w, who: Call(url_for("challenges.new"), 200),
    ("challenges.new_for_case", "GET"): lambda w, who: Call(
        url_for("challenges.new_for_case", case_id=w.case_id), 200, event="case.viewed"),
    ("challenges.new_for_case", "POST"): lambda w, who: Call(
        url_for("challenges.new_for_case", case_id=w.case_id), 302, r"/challenges/\d+",
        data={"category": "placement", "concern": "Raised by the access test.", "outcome_sought": "A plan.",
              "audit_id": "0"},
        event="challenge.raised"),
    ("challenges.show", "GET"): _on("challenges.show", "GET", event="challenge.viewed"),
    ("challenges.respond", "POST"): _on("challenges.respond", "POST", data={"response": "Responded by the access test."},
                                        event="challenge.responded"),
    ("challenges.accept", "POST"): _on("challenges.accept", "POST", "answered_challenge",
                                       data={"outcome": "Accepted by the access test."}, event="challenge.resolved"),
    ("challenges.escalate", "GET"): _on("challenges.escalate", "GET"),
    ("challenges.escalate", "POST"): _on(
        "challenges.escalate", "POST", event="challenge.escalated",
        data=lambda w: {"to_stage": "stage_1", "responder_id": str(w.people["auditor"].id),
                        "second_responder_id": "0", "reason": ""}),
    ("challenges.responders", "GET"): _on("challenges.responders", "GET"),
    ("challenges.responders", "POST"): _on(
        "challenges.responders", "POST", event="challenge.responders_changed",
        data=lambda w: {"responder_id": str(w.people["moderator"].id), "second_responder_id": "0"}),
    ("challenges.withdraw", "GET"): _on("challenges.withdraw", "GET"),
    ("challenges.withdraw", "POST"): _on("challenges.withdraw", "POST", data={"reason": "Withdrawn by the access test."},
                                         event="challenge.withdrawn"),
    ("challenges.cafcass", "GET"): _on("challenges.cafcass", "GET"),
    ("challenges.cafcass", "POST"): _on("challenges.cafcass", "POST", event="challenge.cafcass_flagged",
                                        data=lambda w: {"referred_on": _date_parts(date.today())}),
}
