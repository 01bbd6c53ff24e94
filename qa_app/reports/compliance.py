"""Compliance answers: every yes/partly/no, choice, number and date question of the audits in
scope, counted per option (aggregated in SQL, one grouped query).

The answer that counts is the final one. Moderators grade graded questions only, so for these
question types the final answer is the auditor's (the moderated answer would win where there was
one). A conditional question its condition hid has no stored answer, so it is not counted.

`report round --json` carries the result under `compliance`, keyed by question key:
{"question": text, "type": type, "answers": n, "options": {label: count},
 "percent": {label: percent to 1 decimal}, "median": number or null}
- yes_partly_no: options Yes, Partly, No, Not applicable (all four, zero included); median null.
- choice: the question's choices in template order (then any older wording found); median null.
- number: one option per value given, in numeric order; median of the values.
- date: options by days before submission (DATE_BANDS); median days before submission.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from statistics import median

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateQuestion, TemplateVersion
from qa_app.audit_forms.schema import YES_PARTLY_NO
from qa_app.audits.models import Answer
from qa_app.extensions import db
from qa_app.reports.queries import ReportFilter, audit_scope, percent

COMPLIANCE_TYPES = ("yes_partly_no", "choice", "number", "date")
DATE_BANDS = (("Within 30 days", 30), ("31 to 90 days", 90), ("91 to 180 days", 180),
              ("More than 180 days", None))
AFTER_SUBMISSION = "After submission"
SMALL_NUMBER = 5   # figures from fewer audits than this are marked as small numbers


def compliance_groups(filters: ReportFilter) -> list[tuple]:
    """(round id, version id, question key, type, value, submission day, n) for every compliance answer."""
    scope = audit_scope(filters).subquery()
    day = sa.func.date(scope.c.submitted_at)
    columns = (scope.c.round_id, scope.c.template_version_id, Answer.question_key, TemplateQuestion.type,
               Answer.value, day)
    return list(db.session.execute(
        sa.select(*columns, sa.func.count())
        .select_from(scope)
        .join(Answer, Answer.audit_id == scope.c.audit_id)
        .join(TemplateQuestion, sa.and_(TemplateQuestion.template_version_id == scope.c.template_version_id,
                                        TemplateQuestion.key == Answer.question_key))
        .where(TemplateQuestion.type.in_(COMPLIANCE_TYPES), Answer.value != "")
        .group_by(*columns)
    ))


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _band(days: int) -> str:
    if days < 0:
        return AFTER_SUBMISSION
    for label, upper in DATE_BANDS:
        if upper is None or days <= upper:
            return label
    return DATE_BANDS[-1][0]


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _plain(value: Decimal | float) -> int | float:
    value = Decimal(value) if not isinstance(value, Decimal) else value
    return int(value) if value == value.to_integral_value() else float(value)


def _weighted_median(values: dict) -> int | float | None:
    expanded = []
    for value, n in values.items():
        expanded.extend([value] * n)
    if not expanded:
        return None
    return _plain(Decimal(str(median(expanded))))


def question_texts() -> dict[str, tuple[str, list[str]]]:
    """question key → (text, choices) from the newest version that has it (for labels)."""
    result: dict[str, tuple[str, list[str]]] = {}
    rows = db.session.execute(
        sa.select(TemplateQuestion.key, TemplateQuestion.text, TemplateVersion.id, TemplateVersion.definition)
        .join(TemplateVersion, TemplateVersion.id == TemplateQuestion.template_version_id)
        .where(TemplateQuestion.type.in_(COMPLIANCE_TYPES))
        .order_by(TemplateVersion.current, TemplateVersion.id)
    )
    for key, text, _version_id, definition in rows:
        choices = next((q.get("choices", []) for s in definition["sections"] for q in s["questions"]
                        if q["key"] == key), [])
        result[key] = (" ".join(text.split()), list(choices))
    return result


def build_compliance(groups: list[tuple], texts: dict | None = None) -> dict[str, dict]:
    """The `compliance` section from `compliance_groups` rows (in template question order)."""
    texts = texts if texts is not None else question_texts()
    order: dict[str, tuple[int, int]] = {}
    counts: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    kinds: dict[str, str] = {}
    numbers: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for _round_id, version_id, key, qtype, value, day, n in groups:
        kinds.setdefault(key, qtype)
        order.setdefault(key, (version_id, 0))
        if qtype == "yes_partly_no":
            counts[key][dict(YES_PARTLY_NO).get(value, value)] += n
        elif qtype == "choice":
            counts[key][value] += n
        elif qtype == "number":
            number = _number(value)
            if number is not None:
                numbers[key][number] += n
        elif qtype == "date":
            answered, submitted = _as_date(value), _as_date(day)
            if answered is not None and submitted is not None:
                days = (submitted - answered).days
                numbers[key][days] += n
    positions = _positions()
    result = {}
    for key in sorted(kinds, key=lambda k: (positions.get(k, (9_999, 9_999)), k)):
        qtype = kinds[key]
        text, choices = texts.get(key, (key, []))
        if qtype == "yes_partly_no":
            options = {label: counts[key].get(label, 0) for _, label in YES_PARTLY_NO}
            options.update({k: v for k, v in counts[key].items() if k not in options})
            middle = None
        elif qtype == "choice":
            options = {choice: counts[key].get(choice, 0) for choice in choices}
            options.update({k: v for k, v in sorted(counts[key].items()) if k not in options})
            middle = None
        elif qtype == "number":
            options = {_label(v): n for v, n in sorted(numbers[key].items())}
            middle = _weighted_median(numbers[key])
        else:
            options = {label: 0 for label, _ in DATE_BANDS}
            for days, n in numbers[key].items():
                options.setdefault(_band(days), 0)
                options[_band(days)] += n
            middle = _weighted_median({d: n for d, n in numbers[key].items() if d >= 0}) \
                if any(d >= 0 for d in numbers[key]) else None
        answers = sum(options.values())
        result[key] = {"question": text, "type": qtype, "answers": answers, "options": options,
                       "percent": {label: percent(n, answers) for label, n in options.items()},
                       "median": middle}
    return result


def _label(value: Decimal) -> str:
    return str(_plain(value))


def _positions() -> dict[str, tuple[int, int]]:
    """question key → (template version, position) of its newest version, to list in form order."""
    return {key: (-version, position) for key, version, position in db.session.execute(
        sa.select(TemplateQuestion.key, TemplateQuestion.template_version_id, TemplateQuestion.position)
        .where(TemplateQuestion.type.in_(COMPLIANCE_TYPES))
        .order_by(TemplateQuestion.template_version_id))}


def compliance_by_round(groups: list[tuple]) -> dict[int, dict[str, dict]]:
    """round id → {question key: {"percent_yes": % Yes, "answers": n}} of yes/partly/no questions,
    for the trend (% Yes of every answer given, Not applicable included, as in `compliance`)."""
    per_round: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for round_id, _version, key, qtype, value, _day, n in groups:
        if qtype == "yes_partly_no":
            per_round[round_id][key][value] += n
    return {rid: {key: {"percent_yes": percent(values.get("yes", 0), sum(values.values())),
                        "answers": sum(values.values())} for key, values in sorted(keys.items())}
            for rid, keys in per_round.items()}


def compliance_trend(trend: list[dict], texts: dict) -> dict[str, dict]:
    """question key → {"question": text, "rounds": [{"round", "round_id", "answers", "percent_yes",
    "small_number"}]}: each yes/partly/no question's % Yes in every round that asked it, oldest
    round first, questions in form order (the trend's `compliance_percent_yes` and
    `compliance_answers` by question rather than by round)."""
    series: dict[str, list[dict]] = defaultdict(list)
    for point in trend:
        answers = point.get("compliance_answers", {})
        for key, value in point.get("compliance_percent_yes", {}).items():
            n = answers.get(key, 0)
            series[key].append({"round": point["round"], "round_id": point.get("round_id"), "answers": n,
                                "percent_yes": value,
                                "small_number": n < SMALL_NUMBER})
    positions = _positions()
    return {key: {"question": texts.get(key, (key, []))[0], "rounds": series[key]}
            for key in sorted(series, key=lambda k: (positions.get(k, (9_999, 9_999)), k))}


def by_theme(compliance: dict[str, dict], themes: dict[str, list[str]]) -> dict[str, list[str]]:
    """theme → the compliance question keys tagged with it (for the page's per-theme tables)."""
    result: dict[str, list[str]] = defaultdict(list)
    for key in compliance:
        for theme in themes.get(key, ()) or ("untagged",):
            result[theme].append(key)
    return dict(result)
