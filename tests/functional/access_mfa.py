"""Access policy and request scenarios of two-step verification (merged by test_access_matrix.py).

The sign-in steps are open to anyone, and without a password step just passed they send everyone
back to the sign-in page. The settings are everyone's own. The QA lead and the admin have an
authenticator app (their role needs one; the matrix's sign-in set it up); the others have none."""

from flask import url_for

from tests.functional.matrix_common import PUBLIC, SIGNED_IN, Call

ENROLLED = ("qa_lead", "admin")
WRONG = {"code": "not a code"}

POLICY = {
    "mfa.verify_at_sign_in": {"GET": PUBLIC, "POST": PUBLIC},
    "mfa.recover_at_sign_in": {"GET": PUBLIC, "POST": PUBLIC},
    "mfa.set_up_at_sign_in": {"GET": PUBLIC, "POST": PUBLIC},
    "mfa.settings": {"GET": SIGNED_IN},
    "mfa.set_up": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "mfa.new_recovery_codes": {"POST": SIGNED_IN},
    "mfa.turn_off": {"POST": SIGNED_IN},
}


def _back_to_sign_in(endpoint, method):
    return lambda w, who: Call(url_for(endpoint), 302, "/sign-in", data=WRONG if method == "POST" else None)


SCENARIOS = {
    **{(endpoint, method): _back_to_sign_in(endpoint, method)
       for endpoint in ("mfa.verify_at_sign_in", "mfa.recover_at_sign_in", "mfa.set_up_at_sign_in")
       for method in ("GET", "POST")},
    ("mfa.settings", "GET"): lambda w, who: Call(url_for("mfa.settings"), 200),
    ("mfa.set_up", "GET"): lambda w, who: Call(url_for("mfa.set_up"), 302, "/account/two-step") if who in ENROLLED
    else Call(url_for("mfa.set_up"), 200),
    # A wrong code: the page again with the reason, nothing set up.
    ("mfa.set_up", "POST"): lambda w, who: Call(url_for("mfa.set_up"), 302, "/account/two-step", data=WRONG)
    if who in ENROLLED else Call(url_for("mfa.set_up"), 400, data=WRONG),
    ("mfa.new_recovery_codes", "POST"): lambda w, who: Call(url_for("mfa.new_recovery_codes"),
                                                            400 if who in ENROLLED else 404, data=WRONG),
    # Their role needs it, so it cannot be turned off (403); the others have nothing to turn off (404).
    ("mfa.turn_off", "POST"): lambda w, who: Call(url_for("mfa.turn_off"), 403 if who in ENROLLED else 404,
                                                  data=WRONG),
}
