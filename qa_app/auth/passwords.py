"""The password rule (NIST SP 800-63B, OWASP ASVS 5.0 §6.2): at least 12 characters, at most 256,
any characters, no composition rules, no forced rotation; refused when an offline strength estimator
(zxcvbn, with its lists of common passwords, names and words) scores it as guessable, taking the
person's own email and name into account."""

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_SCORE = 3          # zxcvbn's 0-4: 3 is "safely unguessable" against an online attack, good offline
_ESTIMATE_CHARS = 72   # the estimator refuses more (its time grows with length); past this it is long enough


def problem(password: str, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """What is wrong with `password` as a new password, in words for the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters long"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    if not password.strip():
        return "Your password must not be only spaces"
    words = tuple(part for value in user_inputs for part in _parts(value))
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
