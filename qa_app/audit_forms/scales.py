"""The objects of the audit template model: vocabularies, grade scales, templates, grade limits.

Pure Python: no Flask, no database. Import from ``schema``, which re-exports everything here and
adds the YAML format (parsing, validation, loading a folder).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Iterable, Iterator

STORAGE_FORMAT = 1

QUESTION_TYPES = ("grade", "yes_partly_no", "choice", "text", "date", "number")

YES_PARTLY_NO = (("yes", "Yes"), ("partly", "Partly"), ("no", "No"), ("na", "Not applicable"))

CASE_TYPES = ("EH", "CIN", "CP", "CLA", "CL", "PF")

THEMES = (
    "risk_assessment",
    "contingency_planning",
    "smart_objectives",
    "voice_of_the_child",
    "management_oversight",
    "assessment_quality",
    "multi_agency_working",
    "permanence",
    "health",
    "education",
    "accommodation",
    "supervision",
    "recording",
    "exploitation_and_missing",
)
THEME_LABELS = {
    "risk_assessment": "Risk assessment",
    "contingency_planning": "Contingency planning",
    "smart_objectives": "SMART objectives",
    "voice_of_the_child": "Voice of the child",
    "management_oversight": "Management oversight",
    "assessment_quality": "Quality of assessment",
    "multi_agency_working": "Multi-agency working",
    "permanence": "Permanence",
    "health": "Health",
    "education": "Education, employment and training",
    "accommodation": "Accommodation and placement stability",
    "supervision": "Supervision",
    "recording": "Recording",
    "exploitation_and_missing": "Exploitation and missing",
}


@dataclass(frozen=True)
class Grade:
    value: int
    label: str


@dataclass(frozen=True)
class GradeScale:
    """An ordered grade scale; ``grades`` is ordered best first."""

    key: str
    grades: tuple[Grade, ...]
    good_or_better: frozenset[int]
    inadequate: int
    evidence_required: frozenset[int]

    def _index(self) -> dict[int, int]:
        return {g.value: i for i, g in enumerate(self.grades)}

    def values(self) -> tuple[int, ...]:
        return tuple(g.value for g in self.grades)

    def label(self, value: int) -> str:
        for g in self.grades:
            if g.value == value and not isinstance(value, bool):
                return g.label
        raise KeyError(value)

    def rank(self, value: int) -> int:
        """0 for the best grade, increasing as grades get worse."""
        if isinstance(value, bool):
            raise KeyError(value)
        return self._index()[value]

    def is_worse(self, a: int, b: int) -> bool:
        """True if grade ``a`` is strictly worse than grade ``b``."""
        return self.rank(a) > self.rank(b)

    def worst(self, values: Iterable[int | None]) -> int | None:
        """The worst of ``values`` (None entries are ignored); None if there are none."""
        present = [v for v in values if v is not None]
        if not present:
            return None
        return max(present, key=self.rank)

    def is_good_or_better(self, value: int) -> bool:
        return value in self.good_or_better

    def value_for(self, text: object) -> int:
        """Turn a label (any case) or a value (int or digits) into a grade value."""
        if isinstance(text, int) and not isinstance(text, bool):
            if text in self.values():
                return text
        elif isinstance(text, str):
            wanted = " ".join(text.split()).casefold()
            for g in self.grades:
                if g.label.casefold() == wanted:
                    return g.value
            if wanted.lstrip("-").isdigit() and int(wanted) in self.values():
                return int(wanted)
        valid = ", ".join(f'"{g.label}" ({g.value})' for g in self.grades)
        raise ValueError(f"{text!r} is not a grade on the {self.key} scale; use one of: {valid}")

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "grades": [{"value": g.value, "label": g.label} for g in self.grades],
            "good_or_better": sorted(self.good_or_better, key=self.rank),
            "inadequate": self.inadequate,
            "evidence_required": sorted(self.evidence_required, key=self.rank),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "GradeScale":
        return cls(
            key=d["key"],
            grades=tuple(Grade(int(g["value"]), g["label"]) for g in d["grades"]),
            good_or_better=frozenset(int(v) for v in d["good_or_better"]),
            inadequate=int(d["inadequate"]),
            evidence_required=frozenset(int(v) for v in d["evidence_required"]),
        )


OFSTED4 = GradeScale(
    key="ofsted4",
    grades=(
        Grade(1, "Outstanding"),
        Grade(2, "Good"),
        Grade(3, "Requires improvement"),
        Grade(4, "Inadequate"),
    ),
    good_or_better=frozenset({1, 2}),
    inadequate=4,
    evidence_required=frozenset({3, 4}),
)

BUILTIN_SCALES: dict[str, GradeScale] = {OFSTED4.key: OFSTED4}


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    guidance: str
    type: str
    required: bool
    limiting: bool
    themes: tuple[str, ...]
    choices: tuple[str, ...]
    # Shown only when another (earlier) question has one of these answers: (question key, answers),
    # the answers as stored (a grade value as digits, a yes/partly/no code, a choice's text).
    show_if: tuple[str, tuple[str, ...]] | None = None

    @property
    def is_graded(self) -> bool:
        return self.type == "grade"

    @property
    def is_conditional(self) -> bool:
        return self.show_if is not None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class AuditTemplate:
    key: str
    title: str
    version: str
    applies_to: tuple[str, ...]
    scale: GradeScale
    sections: tuple[Section, ...]
    description: str = ""
    source: str = ""

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question:
        for q in self.questions():
            if q.key == key:
                return q
        raise KeyError(key)

    def content_hash(self) -> str:
        """sha256 of the parsed, normalised template (the YAML layout and comments do not count)."""
        data = self.to_storage_dict()
        del data["source"]
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def _sections_dict(self, full: bool) -> list[dict]:
        def question(q: Question) -> dict:
            d = {"key": q.key, "text": q.text, "type": q.type, "required": q.required,
                 "limiting": q.limiting, "themes": list(q.themes), "choices": list(q.choices)}
            if q.show_if is not None:   # only when set, so the hashes of older versions do not change
                d["show_if"] = {"question": q.show_if[0], "answers": list(q.show_if[1])}
            return d | {"guidance": q.guidance} if full else d
        return [{"key": s.key, "title": s.title, "questions": [question(q) for q in s.questions]}
                for s in self.sections]

    def to_json_dict(self) -> dict:
        return {"key": self.key, "version": self.version, "title": self.title,
                "scale": [{"value": g.value, "label": g.label} for g in self.scale.grades],
                "sections": self._sections_dict(full=False)}

    def to_storage_dict(self) -> dict:
        """Everything, JSON-able; ``from_storage_dict`` gives back an equal template."""
        return {"format": STORAGE_FORMAT, "key": self.key, "title": self.title,
                "version": self.version, "description": self.description,
                "applies_to": list(self.applies_to), "scale": self.scale.to_dict(),
                "sections": self._sections_dict(full=True), "source": self.source}

    @classmethod
    def from_storage_dict(cls, d: dict) -> "AuditTemplate":
        return cls(
            key=d["key"], title=d["title"], version=d["version"],
            applies_to=tuple(d["applies_to"]),
            scale=GradeScale.from_dict(d["scale"]),
            sections=tuple(
                Section(s["key"], s["title"], tuple(
                    Question(q["key"], q["text"], q.get("guidance", ""), q["type"],
                             bool(q["required"]), bool(q["limiting"]),
                             tuple(q.get("themes", ())), tuple(q.get("choices", ())),
                             _show_if(q.get("show_if")))
                    for q in s["questions"]))
                for s in d["sections"]),
            description=d.get("description", ""),
            source=d.get("source", ""),
        )


def _show_if(d: dict | None) -> tuple[str, tuple[str, ...]] | None:
    return (d["question"], tuple(str(a) for a in d["answers"])) if d else None


def answer_text(value: object) -> str:
    """An answer as conditions compare it: a grade value as digits, anything else as its text."""
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def hidden_questions(template: AuditTemplate, answers: dict[str, object]) -> set[str]:
    """The keys of conditional questions that are not shown for these answers.

    A question is shown when the question it depends on is itself shown and its answer (see
    ``answer_text``) is one of the listed answers. The template checks that a condition names an
    earlier question, so one pass in template order settles chains of conditions.
    """
    hidden: set[str] = set()
    for q in template.questions():
        if q.show_if is None:
            continue
        on, wanted = q.show_if
        if on in hidden or answer_text(answers.get(on)) not in wanted:
            hidden.add(q.key)
    return hidden


def describe_condition(template: AuditTemplate, question: Question) -> str:
    """The condition in words, for auditors: 'Answer this if "Seen alone?" is No or Partly.'"""
    if question.show_if is None:
        return ""
    on, wanted = question.show_if
    other = template.question(on)
    if other.type == "yes_partly_no":
        names = [dict(YES_PARTLY_NO).get(a, a) for a in wanted]
    elif other.type == "grade":
        names = [template.scale.label(int(a)) for a in wanted]
    else:
        names = list(wanted)
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return f'Answer this only if "{" ".join(other.text.split())}" is {joined}.'


# Limiting questions: the overall grade can be no better than a limiting question's grade.

def grade_limit(template: AuditTemplate, answers: dict[str, object]) -> tuple[int | None, Question | None]:
    """The worst answer to a limiting grade question, and that question (first one on ties)."""
    scale = template.scale
    worst: tuple[int | None, Question | None] = (None, None)
    for q in template.questions():
        value = answers.get(q.key)
        if not (q.is_graded and q.limiting) or isinstance(value, bool) or not isinstance(value, int):
            continue
        if value in scale.values() and (worst[0] is None or scale.is_worse(value, worst[0])):
            worst = (value, q)
    return worst


def overall_grade_problem(template: AuditTemplate, overall: int | None,
                          answers: dict[str, object]) -> str | None:
    """A message if ``overall`` is better than a limiting question allows, else None."""
    limit, question = grade_limit(template, answers)
    if overall is None or limit is None or question is None or overall not in template.scale.values():
        return None
    if not template.scale.is_worse(limit, overall):
        return None
    label = template.scale.label(limit)
    return (f'The overall grade cannot be better than "{label}" because "{question.text}" '
            f'was graded "{label}".')
