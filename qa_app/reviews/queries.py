"""The review round's figures: each file's grade before and after, and per theme how many of the
earlier findings the follow-up audits found put right. Read-only."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from qa_app.audit_forms.schema import THEME_LABELS, THEMES
from qa_app.audits.models import Audit
from qa_app.audits.workflow import SUBMITTED_STATES, AuditStatus
from qa_app.extensions import db
from qa_app.audits.queries import final_answer_grades_for, final_overall_grades
from qa_app.reviews.models import ReviewCheck
from qa_app.reviews.services import is_finding
from qa_app.rounds.models import AuditRound


@dataclass(frozen=True)
class FileRow:
    audit: Audit             # the review audit
    earlier: Audit
    grade_before: int | None
    grade_after: int | None  # None until the review audit is submitted
    before_label: str
    after_label: str
    change: str              # "Better", "The same", "Worse", "Not yet reviewed"
    findings: int
    put_right: int


@dataclass(frozen=True)
class ThemeRow:
    theme: str
    label: str
    findings: int       # questions graded Requires improvement or Inadequate in the earlier audits
    checked: int        # of which a submitted review recorded a check
    put_right: int      # in place: yes
    partly: int
    not_in_place: int


def review_rounds() -> list[tuple[AuditRound, AuditRound]]:
    """(review round, the round it reviews), newest first."""
    earlier = aliased(AuditRound)
    return [tuple(row) for row in db.session.execute(
        sa.select(AuditRound, earlier).join(earlier, earlier.id == AuditRound.reviews_round_id)
        .order_by(AuditRound.created_at.desc(), AuditRound.id.desc()))]


def review_round_report(round_: AuditRound) -> tuple[list[FileRow], list[ThemeRow]]:
    audits = list(db.session.scalars(
        sa.select(Audit).where(Audit.round_id == round_.id, Audit.status != AuditStatus.REMOVED.value,
                               Audit.reviews_audit_id.is_not(None))))
    submitted = {a.id for a in audits if a.status in SUBMITTED_STATES}
    earlier_ids = [a.reviews_audit_id for a in audits]
    before = final_overall_grades(earlier_ids)
    after = final_overall_grades(submitted)
    answer_grades = final_answer_grades_for(earlier_ids)
    checks: dict[int, dict[str, str | None]] = defaultdict(dict)
    for audit_id, key, in_place in db.session.execute(
            sa.select(ReviewCheck.audit_id, ReviewCheck.question_key, ReviewCheck.in_place)
            .where(ReviewCheck.audit_id.in_(submitted))):
        checks[audit_id][key] = in_place
    themes = {theme: defaultdict(int) for theme in THEMES}
    files = []
    for audit in sorted(audits, key=lambda a: a.case_file.reference):
        earlier = audit.reviews_audit
        template = earlier.template
        findings = put_right = 0
        for question in template.questions():
            if not (question.is_graded and is_finding(template.scale, answer_grades[earlier.id].get(question.key))):
                continue
            in_place = checks[audit.id].get(question.key)
            findings += 1
            put_right += in_place == "yes"
            for theme in question.themes:
                counts = themes.setdefault(theme, defaultdict(int))
                counts["findings"] += 1
                counts["checked"] += in_place is not None
                counts["yes"] += in_place == "yes"
                counts["partly"] += in_place == "partly"
                counts["no"] += in_place == "no"
        grade_before, grade_after = before.get(earlier.id), after.get(audit.id)
        files.append(FileRow(
            audit=audit, earlier=earlier, grade_before=grade_before, grade_after=grade_after,
            before_label=template.scale.label(grade_before) if grade_before is not None else "Not graded",
            after_label=audit.template.scale.label(grade_after) if grade_after is not None else "Not yet graded",
            change=_change(earlier, audit, grade_before, grade_after), findings=findings, put_right=put_right,
        ))
    theme_rows = [
        ThemeRow(theme, THEME_LABELS.get(theme, theme), c["findings"], c["checked"], c["yes"], c["partly"], c["no"])
        for theme, c in themes.items() if c["findings"]
    ]
    return files, theme_rows


def _change(earlier: Audit, audit: Audit, before: int | None, after: int | None) -> str:
    if after is None:
        return "Not yet reviewed"
    if before is None or earlier.template.scale.key != audit.template.scale.key:
        return "Cannot be compared"
    scale = audit.template.scale
    if scale.is_worse(before, after):
        return "Better"
    if scale.is_worse(after, before):
        return "Worse"
    return "The same"
