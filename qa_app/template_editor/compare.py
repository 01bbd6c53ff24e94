"""Two versions of a template compared question by question (pure: no database)."""

from dataclasses import dataclass, field

from qa_app.audit_forms.schema import THEME_LABELS, AuditTemplate, Question

FIELD_NAMES = {"text": "Question", "guidance": "Guidance", "type": "Type", "required": "Required",
               "limiting": "Limiting", "themes": "Themes", "choices": "Choices", "show_if": "Shown only when",
               "section": "Section"}


@dataclass
class QuestionChange:
    key: str
    status: str                      # added, removed, changed, unchanged
    text: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)   # (what, before, after)


def _describe(template: AuditTemplate, q: Question, name: str, section: str) -> str:
    if name == "section":
        return section
    value = getattr(q, name)
    if name == "themes":
        return ", ".join(THEME_LABELS.get(t, t) for t in value) or "None"
    if name == "choices":
        return "; ".join(value) or "None"
    if name == "show_if":
        return "Always shown" if value is None else f"{value[0]} is {' or '.join(value[1])}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return " ".join(str(value).split()) or "None"


def compare(old: AuditTemplate, new: AuditTemplate) -> dict:
    """{"questions": [QuestionChange …] in the new version's order then the removed ones,
    "template": [(what, before, after)] for the title, version, case types and scale,
    "counts": {status: n}}."""
    old_q = {q.key: (q, s.title) for s in old.sections for q in s.questions}
    new_q = {q.key: (q, s.title) for s in new.sections for q in s.questions}
    rows = []
    for key, (q, section) in new_q.items():
        if key not in old_q:
            rows.append(QuestionChange(key, "added", q.text))
            continue
        before, old_section = old_q[key]
        changes = [(FIELD_NAMES[name], _describe(old, before, name, old_section), _describe(new, q, name, section))
                   for name in FIELD_NAMES]
        changes = [c for c in changes if c[1] != c[2]]
        rows.append(QuestionChange(key, "changed" if changes else "unchanged", q.text, changes))
    rows += [QuestionChange(key, "removed", q.text) for key, (q, _s) in old_q.items() if key not in new_q]
    template = [(what, a, b) for what, a, b in (
        ("Title", old.title, new.title), ("Version", old.version, new.version),
        ("Case types", ", ".join(old.applies_to), ", ".join(new.applies_to)),
        ("Grades", "; ".join(f"{g.value} {g.label}" for g in old.scale.grades),
         "; ".join(f"{g.value} {g.label}" for g in new.scale.grades)),
        ("Evidence needed for", ", ".join(old.scale.label(v) for v in sorted(old.scale.evidence_required)),
         ", ".join(new.scale.label(v) for v in sorted(new.scale.evidence_required))),
    ) if a != b]
    counts = {status: sum(1 for r in rows if r.status == status) for status in ("added", "removed", "changed",
                                                                                  "unchanged")}
    return {"questions": rows, "template": template, "counts": counts}
