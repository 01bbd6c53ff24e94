"""The report's moderation figures: the agreement maths of qa_app.moderation.statistics, applied to
the report's scope (its rounds, team, case type and dates)."""

from collections import Counter, defaultdict

from qa_app.moderation.statistics import agreement


def _figures(counts: Counter, categories: list[int]) -> dict:
    result = agreement(counts, categories)
    def r(value):
        return None if value is None else round(value, 1)
    return {
        "pairs": result.n, "exact_agreement": r(result.exact_percent), "within_one": r(result.within_one_percent),
        "weighted_kappa": None if result.kappa is None else round(result.kappa, 3),
        "agreed": result.exact, "moderated_worse": result.worse, "moderated_better": result.better,
        "percent_moderated_worse": r(result.worse_percent), "percent_moderated_better": r(result.better_percent),
    }


def moderation_figures(audits, answers, look, versions) -> dict:
    """Agreement over the moderated audits (overall grades), with the same figures per auditor,
    per question and per theme (question-level pairs), from the report's grouped facts."""
    grades = sorted({(g.rank, value) for (version, value), g in look.grades.items() if version in versions})
    categories = list(dict.fromkeys(value for _rank, value in grades))
    overall: Counter = Counter()
    by_auditor: dict[str, Counter] = defaultdict(Counter)
    for group in audits:
        if group.moderated_grade is None or group.auditor_grade is None:
            continue
        pair = (group.auditor_grade, group.moderated_grade)
        overall[pair] += group.n
        by_auditor[look.people.get(group.auditor_id, "Unknown")][pair] += group.n
    by_question: dict[str, Counter] = defaultdict(Counter)
    by_theme: dict[str, Counter] = defaultdict(Counter)
    for group in answers:
        if group.moderated_grade is None or group.auditor_grade is None:
            continue
        pair = (group.auditor_grade, group.moderated_grade)
        by_question[group.question_key][pair] += group.n
        for theme in look.themes.get((group.version_id, group.question_key), ()):
            by_theme[theme][pair] += group.n
    figures = _figures(overall, categories)
    figures["by_auditor"] = {name: _figures(c, categories) for name, c in sorted(by_auditor.items())}
    figures["by_question"] = {key: _figures(c, categories) for key, c in sorted(by_question.items())}
    figures["by_theme"] = {theme: _figures(c, categories) for theme, c in sorted(by_theme.items())}
    return figures
