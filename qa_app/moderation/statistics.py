"""Agreement between auditors and moderators: the figures, computed in one place.

The calibration page, the reports and the Excel export all read their agreement figures from
here. Two layers:

- the maths, pure functions over *pairs* (auditor's grade, moderator's grade):
  `agreement(pairs, categories)` → `Agreement` (n, exact and within-one agreement, Cohen's kappa
  with quadratic weights, moderated worse / better), `quadratic_weighted_kappa`;
- the queries, which fetch pairs from completed moderations already counted in SQL (one grouped
  query per level, never one per audit) and group them by round, auditor, question or theme:
  `pair_counts(...)` and `calibration(...)`.

What a pair is: the overall grade of each *completed* moderation is one pair (the auditor's
overall grade, as last submitted, against the moderator's); each graded question that both
graded is one pair at the question level (`ModeratedAnswer.auditor_grade` against `grade`).
A question tagged with two themes counts in both.

Kappa is computed over every category of the scale, including categories nobody used, with
weights (i − j)² / (k − 1)² between the categories' ranks. It is undefined (None, "not defined"
on the pages) when there are no pairs or when chance disagreement is zero (both raters gave
everything the same single grade). Figures across rounds are only combined for rounds graded on
one scale: `calibration()` takes the scale (Ofsted's four grades by default) and lists the
rounds it left out because their template uses another.
"""

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.scales import OFSTED4, THEME_LABELS, GradeScale
from qa_app.audits.models import Audit
from qa_app.auth.models import User
from qa_app.extensions import db
from qa_app.moderation.models import ModeratedAnswer, Moderation
from qa_app.moderation.workflow import ModerationStatus
from qa_app.rounds.models import AuditRound

Pairs = Mapping[tuple[int, int], int] | Iterable[tuple[int, int]]


# --- the maths ------------------------------------------------------------------------------------

def _counts(pairs: Pairs) -> Counter:
    if isinstance(pairs, Mapping):
        return Counter({key: count for key, count in pairs.items() if count})
    return Counter((a, m) for a, m in pairs)


def _ranks(categories: Sequence[int]) -> dict[int, int]:
    ranks = {value: rank for rank, value in enumerate(categories)}
    if len(ranks) != len(categories):
        raise ValueError(f"categories must be distinct: {list(categories)}")
    return ranks


def _rank(ranks: dict[int, int], grade: int) -> int:
    try:
        return ranks[grade]
    except KeyError:
        raise ValueError(f"grade {grade!r} is not one of the categories {list(ranks)}") from None


def quadratic_weighted_kappa(pairs: Pairs, categories: Sequence[int]) -> float | None:
    """Cohen's kappa with quadratic weights, or None where it is not defined.

    `pairs` are (rater A's grade, rater B's grade), or a mapping of such pairs to counts;
    `categories` are every grade of the scale in order (best first). The weight of a cell is
    (i − j)² / (k − 1)² for the categories' ranks i, j, so kappa = 1 − Σ w·observed / Σ w·expected,
    with expected from the product of the two raters' marginal totals. Computed in exact
    fractions: it is exactly 1 when (and only when) every pair agrees, and the same whichever
    rater is A. None when there are no pairs, fewer than two categories, or no chance
    disagreement (both raters used one and the same grade throughout).
    ValueError when a grade is not one of `categories`.
    """
    counts = _counts(pairs)
    ranks = _ranks(categories)
    k, n = len(categories), sum(counts.values())
    if n == 0 or k < 2:
        return None
    rows: Counter = Counter()
    cols: Counter = Counter()
    observed = Fraction(0)
    scale = (k - 1) ** 2
    for (a, b), count in counts.items():
        i, j = _rank(ranks, a), _rank(ranks, b)
        rows[i] += count
        cols[j] += count
        observed += Fraction(count * (i - j) ** 2, scale)
    expected = Fraction(0)
    for i, row in rows.items():
        for j, col in cols.items():
            expected += Fraction(row * col * (i - j) ** 2, scale)
    if expected == 0:
        return None
    return float(1 - (observed * n) / expected)


@dataclass(frozen=True)
class Agreement:
    """Agreement over `n` pairs. Percentages are 0–100 and None when there are no pairs.

    `worse`: pairs where the moderator's grade is worse than the auditor's (the auditor was
    optimistic); `better`: the reverse. `rank_difference` sums the moderator's rank minus the
    auditor's (ranks grow as grades get worse), so a positive mean means optimistic auditors.
    """

    n: int = 0
    exact: int = 0
    within_one: int = 0
    worse: int = 0
    better: int = 0
    rank_difference: int = 0
    kappa: float | None = None

    @staticmethod
    def _percent(part: int, whole: int) -> float | None:
        return 100 * part / whole if whole else None

    @property
    def exact_percent(self) -> float | None:
        return self._percent(self.exact, self.n)

    @property
    def within_one_percent(self) -> float | None:
        return self._percent(self.within_one, self.n)

    @property
    def worse_percent(self) -> float | None:
        return self._percent(self.worse, self.n)

    @property
    def better_percent(self) -> float | None:
        return self._percent(self.better, self.n)

    @property
    def mean_difference(self) -> float | None:
        """Mean of (moderator's rank − auditor's rank): above 0, the auditor grades too well."""
        return self.rank_difference / self.n if self.n else None


def agreement(pairs: Pairs, categories: Sequence[int]) -> Agreement:
    """Every agreement figure for `pairs` of (auditor's grade, moderator's grade).

    `categories` are the scale's grades, best first (`GradeScale.values()`); "within one grade"
    and worse/better compare the grades' positions in it. ValueError for a grade not in it.
    """
    counts = _counts(pairs)
    ranks = _ranks(categories)
    n = exact = within = worse = better = difference = 0
    for (auditor, moderator), count in counts.items():
        gap = _rank(ranks, moderator) - _rank(ranks, auditor)
        n += count
        difference += gap * count
        exact += count if gap == 0 else 0
        within += count if abs(gap) <= 1 else 0
        worse += count if gap > 0 else 0
        better += count if gap < 0 else 0
    return Agreement(n=n, exact=exact, within_one=within, worse=worse, better=better,
                     rank_difference=difference, kappa=quadratic_weighted_kappa(counts, categories))


# --- the queries ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairCount:
    """How many pairs had these grades, in one round, for one auditor, moderator and question."""

    round_id: int
    template_version_id: int
    auditor_id: int
    moderator_id: int
    question_key: str | None      # None: the overall grade
    auditor_grade: int
    moderator_grade: int
    count: int


def pair_counts(*, questions: bool, round_ids: Collection[int] | None = None,
                auditor_ids: Collection[int] | None = None) -> list[PairCount]:
    """Pairs of completed moderations, counted in SQL: one query, grouped by round, template
    version, auditor, moderator, question and the two grades.

    `questions`: the per-question pairs (both grades given) instead of the overall grades.
    `round_ids` / `auditor_ids` narrow the rounds and auditors (None: all).
    """
    if questions:
        key, auditor_grade, moderator_grade = (ModeratedAnswer.question_key, ModeratedAnswer.auditor_grade,
                                               ModeratedAnswer.grade)
    else:
        key = sa.null()
        auditor_grade, moderator_grade = Moderation.auditor_overall_grade, Moderation.overall_grade
    columns = (Moderation.round_id, Audit.template_version_id, Audit.auditor_id, Moderation.moderator_id, key,
               auditor_grade, moderator_grade)
    query = sa.select(*columns, sa.func.count()).join(Audit, Audit.id == Moderation.audit_id)
    if questions:
        query = query.join(ModeratedAnswer, ModeratedAnswer.moderation_id == Moderation.id)
    query = query.where(
        Moderation.status == ModerationStatus.COMPLETED, auditor_grade.is_not(None),
        moderator_grade.is_not(None), Audit.auditor_id.is_not(None),
    )
    if round_ids is not None:
        query = query.where(Moderation.round_id.in_(list(round_ids)))
    if auditor_ids is not None:
        query = query.where(Audit.auditor_id.in_(list(auditor_ids)))
    group = [c for c in columns if c is not key] + ([key] if questions else [])
    query = query.group_by(*group)
    return [PairCount(round_id=r, template_version_id=t, auditor_id=a, moderator_id=m, question_key=q,
                      auditor_grade=ag, moderator_grade=mg, count=c)
            for r, t, a, m, q, ag, mg, c in db.session.execute(query)]


@dataclass(frozen=True)
class Group:
    """The agreement figures of one round, auditor, question or theme."""

    key: object
    label: str
    agreement: Agreement


@dataclass(frozen=True)
class AuditorCalibration:
    auditor_id: int
    name: str
    overall: Agreement                 # overall-grade pairs: the optimism ranking
    answers: Agreement                 # per-question pairs
    trend: dict[int, Agreement]        # round id → overall-grade pairs in that round


@dataclass
class Calibration:
    """Agreement figures for a set of rounds graded on one scale.

    `rounds` (oldest first) were included; `excluded_rounds` were left out because their template
    uses another scale, as (round id, name, scale key). `auditors` are ranked most optimistic
    first (share moderated worse, then mean grade difference); `questions` and `themes` least
    agreement first (exact agreement, then kappa, "not defined" last).
    """

    scale: GradeScale
    rounds: list[tuple[int, str]] = field(default_factory=list)
    excluded_rounds: list[tuple[int, str, str]] = field(default_factory=list)
    overall: Agreement = field(default_factory=Agreement)
    answers: Agreement = field(default_factory=Agreement)
    # (overall, answers) per round that has pairs, oldest first
    by_round: list[tuple[Group, Group]] = field(default_factory=list)
    auditors: list[AuditorCalibration] = field(default_factory=list)
    questions: list[Group] = field(default_factory=list)
    themes: list[Group] = field(default_factory=list)


def _least_agreement_first(group: Group):
    a = group.agreement
    return (a.exact_percent if a.exact_percent is not None else 101,
            a.kappa if a.kappa is not None else 2, -a.n, group.label)


def _sum(counts: Iterable[PairCount], **match) -> Counter:
    """The pairs of `counts` (those whose attributes equal `match`) as {(auditor, moderator): n}."""
    total: Counter = Counter()
    for c in counts:
        if all(getattr(c, name) == value for name, value in match.items()):
            total[(c.auditor_grade, c.moderator_grade)] += c.count
    return total


def calibration(*, round_ids: Collection[int] | None = None, scale: GradeScale | None = None,
                auditor_ids: Collection[int] | None = None) -> Calibration:
    """Every agreement figure for the rounds (None: all rounds) on `scale`.

    `scale` defaults to the scale of the rounds when they share one, else Ofsted's four grades.
    Four queries however many rounds and moderations: the rounds, the two levels of pairs and
    the names.
    """
    round_query = (sa.select(AuditRound.id, AuditRound.name, TemplateVersion)
                   .join(TemplateVersion, TemplateVersion.id == AuditRound.template_version_id)
                   .order_by(AuditRound.created_at, AuditRound.id))
    if round_ids is not None:
        round_query = round_query.where(AuditRound.id.in_(list(round_ids)))
    rows = db.session.execute(round_query).all()
    scales = {version.template.scale.key: version.template.scale for _, _, version in rows}
    if scale is None:
        scale = next(iter(scales.values())) if len(scales) == 1 else OFSTED4
    result = Calibration(scale=scale)
    for round_id, name, version in rows:
        if version.template.scale.key == scale.key:
            result.rounds.append((round_id, name))
        else:
            result.excluded_rounds.append((round_id, name, version.template.scale.key))
    included = [round_id for round_id, _ in result.rounds]
    if not included:
        return result
    categories = scale.values()
    overall = pair_counts(questions=False, round_ids=included, auditor_ids=auditor_ids)
    answers = pair_counts(questions=True, round_ids=included, auditor_ids=auditor_ids)
    result.overall = agreement(_sum(overall), categories)
    result.answers = agreement(_sum(answers), categories)

    round_names = dict(result.rounds)
    for round_id in sorted({c.round_id for c in overall} | {c.round_id for c in answers}, key=included.index):
        name = round_names[round_id]
        result.by_round.append((Group(round_id, name, agreement(_sum(overall, round_id=round_id), categories)),
                                Group(round_id, name, agreement(_sum(answers, round_id=round_id), categories))))

    auditor_set = sorted({c.auditor_id for c in overall} | {c.auditor_id for c in answers})
    names = {user_id: name for user_id, name in db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(auditor_set)))} if auditor_set else {}
    for auditor_id in auditor_set:
        own = [c for c in overall if c.auditor_id == auditor_id]
        result.auditors.append(AuditorCalibration(
            auditor_id=auditor_id, name=names.get(auditor_id, f"User {auditor_id}"),
            overall=agreement(_sum(own), categories),
            answers=agreement(_sum(answers, auditor_id=auditor_id), categories),
            trend={round_id: agreement(_sum(own, round_id=round_id), categories)
                   for round_id in included if any(c.round_id == round_id for c in own)},
        ))
    result.auditors.sort(key=lambda a: (
        -(a.overall.worse_percent or 0), -(a.overall.mean_difference or 0), a.name, a.auditor_id))

    versions = {version.id: version for _, _, version in rows}
    version_ids = {c.template_version_id for c in answers} - set(versions)
    if version_ids:  # an audit graded against another version than its round's (rare)
        versions.update({v.id: v for v in db.session.scalars(
            sa.select(TemplateVersion).where(TemplateVersion.id.in_(version_ids)))})
    by_question: dict[tuple[str, str], Counter] = defaultdict(Counter)
    question_labels: dict[tuple[str, str], str] = {}
    by_theme: dict[str, Counter] = defaultdict(Counter)
    titles: dict[str, str] = {}
    for c in answers:
        template = versions[c.template_version_id].template
        question_key = (template.key, c.question_key)
        by_question[question_key][(c.auditor_grade, c.moderator_grade)] += c.count
        try:
            question = template.question(c.question_key)
        except KeyError:
            question_labels.setdefault(question_key, c.question_key)
            continue
        question_labels[question_key] = question.text
        titles[template.key] = template.title
        for theme in question.themes:
            by_theme[theme][(c.auditor_grade, c.moderator_grade)] += c.count
    if len(titles) > 1:  # the same question text can appear in several templates
        question_labels = {key: f"{label} ({titles.get(key[0], key[0])})" for key, label in question_labels.items()}
    result.questions = sorted((Group(key, question_labels[key], agreement(counts, categories))
                               for key, counts in by_question.items()), key=_least_agreement_first)
    result.themes = sorted((Group(theme, THEME_LABELS.get(theme, theme), agreement(counts, categories))
                            for theme, counts in by_theme.items()), key=_least_agreement_first)
    return result
