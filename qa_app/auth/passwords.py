"""The password rule (NIST SP 800-63B, OWASP ASVS 5.0 §6.2): at least 12 characters, at most 256,
any characters, no composition rules, no forced rotation; refused when an offline strength estimator
(zxcvbn, with its lists of common passwords, names and words) scores it as guessable, taking the
person's own email and name, and the service's context words, into account."""

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 4          # zxcvbn's 0-4: 4 is "very unguessable", at least 10^10 guesses
_ESTIMATE_CHARS = 72   # the estimator refuses more (its time grows with length); past this it is long enough


# Words of this service and its setting that make a password easy to guess (ASVS 5.0 6.1.2); the
# council adds its own (its name, area, teams) in PASSWORD_CONTEXT_WORDS.
CONTEXT_WORDS = ("case file audit", "casefileaudit", "case file", "quality assurance", "qa app", "audit",
                 "auditor", "moderator", "social care", "children's social care", "childrens services",
                 "social worker", "safeguarding", "council", "ofsted", "password")


def context_words() -> tuple[str, ...]:
    """CONTEXT_WORDS, the service's name and the council's own words, when there is an app."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return CONTEXT_WORDS
    extra = [w.strip() for w in str(current_app.config.get("PASSWORD_CONTEXT_WORDS", "")).split(",") if w.strip()]
    return CONTEXT_WORDS + (str(current_app.config.get("SERVICE_NAME", "")),) + tuple(extra)


def problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """What is wrong with `password` as a new password, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    if not password.strip():
        return "Your password must not be only spaces"
    words = tuple(part for value in user_inputs + context_words() for part in _parts(value))
    result = zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=list(words))
    if result["score"] < MIN_SCORE:
        warning = (result["feedback"].get("warning") or "").rstrip(".")
        reason = warning[:1].lower() + warning[1:] if warning else "it would be easy to guess"
        return (f"Choose a password that is harder to guess: {reason}. A few unrelated words together "
                "make a strong password that is easy to remember")
    return None


def _parts(value: str) -> list[str]:
    """'jo.bloggs@council.example' → the whole, 'jo', 'bloggs', 'council', 'example'."""
    value = (value or "").lower()
    pieces = [value, value.split("@")[0]] + [
        p for p in value.replace("@", " ").replace(".", " ").replace("-", " ").split() if len(p) > 2]
    return [p for p in pieces if p]
