"""Drafting a learning brief from a round's report: its strongest and weakest themes and questions,
with counts only. A draft never holds a case reference, a name or any other detail of a child:
it is written from the report's figures alone."""

from qa_app.audit_forms.schema import THEME_LABELS


def _theme_line(theme: str, figures: dict) -> str:
    return (f"{THEME_LABELS.get(theme, theme)}: {figures['percent_good_or_better']}% Good or better, "
            f"{figures['percent_inadequate']}% Inadequate ({figures['answers']} graded answers)")


def _question_line(question: dict) -> str:
    return (f"\"{question['text']}\": {question['percent_good_or_better']}% Good or better, "
            f"{question['percent_inadequate']}% Inadequate ({question['answers']} answers)")


def draft(round_name: str, report: dict, n: int = 3) -> dict:
    """{title, summary, strengths, areas, key_messages} from a round's report (`round_report`)."""
    themes = [(t, f) for t, f in report["themes"].items() if f["answers"]]
    strongest = sorted(themes, key=lambda tf: (-(tf[1]["percent_good_or_better"] or 0), tf[0]))[:n]
    weakest = sorted(themes, key=lambda tf: (-(tf[1]["percent_inadequate"] or 0),
                                             tf[1]["percent_good_or_better"] or 0, tf[0]))[:n]
    weakest = [tf for tf in weakest if tf not in strongest] or weakest
    lines = lambda items: "\n".join(f"- {item}" for item in items)  # noqa: E731
    feedback = report.get("feedback") or {}
    heard = ", ".join(f"{f['responses']} from {who.replace('_', ' ')}s" for who, f in feedback.items())
    summary = (f"{report['audits']} case files were audited in {round_name}. {report['percent_good_or_better']}% "
               f"were Good or better and {report['percent_inadequate']}% Inadequate (final grades, after "
               f"moderation).")
    if heard:
        summary += f" Children and families gave feedback {heard}."
    return {
        "title": f"Learning from {round_name}",
        "summary": summary,
        "strengths": lines([_theme_line(t, f) for t, f in strongest]
                           + [_question_line(q) for q in report.get("strengths", [])]),
        "areas": lines([_theme_line(t, f) for t, f in weakest]
                       + [_question_line(q) for q in report.get("areas_for_development", [])]),
        "key_messages": lines([f"Focus on {THEME_LABELS.get(t, t).lower()}: what good looks like, and what to "
                               "change on every file from now on." for t, _ in weakest]),
    }
