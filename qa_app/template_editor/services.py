"""Editing audit templates in the browser: drafts in the YAML file's shape, checked by the same
schema code as the files (`audit_forms.schema.parse_template`, so the same messages), published as
new immutable versions. Audits keep the version they started on; new rounds use the current one.

Every change to a draft, every publication and every upload is in the history. A draft may be
invalid while it is being edited; `problems(draft)` lists what the schema says, by path.
"""

import copy
from datetime import date

import sqlalchemy as sa
import yaml

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.schema import (
    BUILTIN_SCALES, TEMPLATE_KEY_RE, YES_PARTLY_NO, AuditTemplate, TemplateInvalid, TemplateProblem, parse_template,
)
from qa_app.audit_forms.services import index_version, make_current
from qa_app.db import utcnow
from qa_app.errors import DomainError, StaleEdit, ValidationFailed
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.template_editor.models import DraftStatus, TemplateDraft

QUESTION_FIELDS = ("key", "text", "guidance", "type", "required", "limiting", "themes", "choices", "show_if")


# ------------------------------------------------------------------ the YAML shape

def yaml_text(data: dict) -> str:
    """The draft (or a version) as a template file."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def data_of(template: AuditTemplate) -> dict:
    """A parsed template in the file's shape (what `yaml_text` writes and `parse_template` reads)."""
    scale = template.scale
    scale_data = scale.key if BUILTIN_SCALES.get(scale.key) == scale else scale.to_dict()
    data = {"key": template.key, "title": template.title, "version": template.version,
            "applies_to": list(template.applies_to), "scale": scale_data}
    if template.description:
        data["description"] = template.description
    data["sections"] = [{"key": s.key, "title": s.title, "questions": [_question_data(q) for q in s.questions]}
                        for s in template.sections]
    return data


def _question_data(q) -> dict:
    d = {"key": q.key, "text": q.text, "type": q.type}
    if q.guidance:
        d["guidance"] = q.guidance
    d["required"] = q.required
    if q.limiting:
        d["limiting"] = True
    if q.themes:
        d["themes"] = list(q.themes)
    if q.type == "choice":
        d["choices"] = list(q.choices)
    if q.show_if:
        d["show_if"] = {"question": q.show_if[0], "answers": list(q.show_if[1])}
    return d


def parse(draft: TemplateDraft) -> tuple[AuditTemplate | None, list[TemplateProblem]]:
    """The draft checked exactly as a file named after its key would be."""
    try:
        return parse_template(yaml_text(draft.data), f"{draft.key}.yaml"), []
    except TemplateInvalid as error:
        return None, error.problems


# ------------------------------------------------------------------ drafts

def _editable(draft: TemplateDraft) -> dict:
    """A deep copy of the draft's data to change: the JSON column is written only when a new
    object is assigned (changing the stored one in place would go unnoticed)."""
    return copy.deepcopy(draft.data)


def _touch(draft: TemplateDraft, actor, what: str, expected_version: int | None, data: dict | None = None,
           **details) -> None:
    if draft.status != DraftStatus.DRAFT:
        raise DomainError("This draft has been published or discarded: start a new draft to change the template.")
    if expected_version is not None and expected_version != draft.version:
        raise StaleEdit("Someone changed this draft after you opened it. Your change has not been saved: "
                        "look at the draft again and repeat it.")
    draft.updated_at = utcnow()
    if data is not None:
        draft.data = data
    record(actor, "template_draft.changed", draft, change=what, **details)


def new_template(*, key: str, title: str, actor) -> TemplateDraft:
    """A draft of a new template. ValidationFailed for a key that is malformed or taken."""
    key, title = (key or "").strip(), " ".join((title or "").split())
    problems = []
    if not TEMPLATE_KEY_RE.fullmatch(key) or len(key) > 64:
        problems.append(("key", "Enter a key of lower-case letters, digits and hyphens (at most 64), "
                                "for example early-help-plan"))
    elif db.session.scalar(sa.select(TemplateVersion.id).where(TemplateVersion.key == key).limit(1)):
        problems.append(("key", f"A template with the key '{key}' exists: start a new version of it instead"))
    if not title:
        problems.append(("title", "Enter the template's title"))
    if problems:
        raise ValidationFailed(problems)
    data = {"key": key, "title": title, "version": "1", "applies_to": [], "scale": "ofsted4", "description": "",
            "sections": []}
    draft = TemplateDraft(key=key, data=data, created_by_id=actor.id)
    db.session.add(draft)
    db.session.flush()
    record(actor, "template_draft.created", draft, key=key)
    return draft


def draft_from_version(version: TemplateVersion, *, actor) -> TemplateDraft:
    """A new version of a stored one: a draft holding a copy of it."""
    data = data_of(version.template)
    data["version"] = _next_label(version.version_label)
    draft = TemplateDraft(key=version.key, data=data, based_on_id=version.id, created_by_id=actor.id)
    db.session.add(draft)
    db.session.flush()
    record(actor, "template_draft.created", draft, key=version.key, based_on=version.id)
    return draft


def draft_from_yaml(text: str, filename: str, *, actor) -> TemplateDraft:
    """A draft from an uploaded template file. ValidationFailed ("file") with every problem the
    schema finds, as `templates check` reports them, when the file is not a valid template."""
    key = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    try:
        template = parse_template(text, f"{key}.yaml")
    except TemplateInvalid as error:
        listed = "; ".join(f"{p.path}: {p.reason}" for p in error.problems)
        count = len(error.problems)
        raise ValidationFailed([("file", f"The file is not a valid template ({count} problem{'s' if count != 1 else ''}): "
                                         f"{listed}")]) from None
    based_on = db.session.scalar(sa.select(TemplateVersion).where(TemplateVersion.key == template.key,
                                                                  TemplateVersion.current.is_(True)))
    draft = TemplateDraft(key=template.key, data=data_of(template), based_on_id=based_on.id if based_on else None,
                          created_by_id=actor.id)
    db.session.add(draft)
    db.session.flush()
    record(actor, "template_draft.uploaded", draft, key=template.key, filename=filename[:200])
    return draft


def _next_label(label: str) -> str:
    head, dot, tail = label.rpartition(".")
    if tail.isdigit():
        return f"{head}{dot}{int(tail) + 1}"
    return f"{label}.1" if len(label) < 38 else label


def update_details(draft: TemplateDraft, *, title: str, version_label: str, description: str, applies_to: list[str],
                   scale, actor, expected_version: int | None = None) -> None:
    data = _editable(draft)
    data.update({"title": title or "", "version": version_label or "", "applies_to": list(applies_to or []),
                 "scale": scale})
    if description:
        data["description"] = description
    else:
        data.pop("description", None)
    _touch(draft, actor, "details", expected_version, data)


def add_section(draft: TemplateDraft, *, key: str, title: str, actor, expected_version: int | None = None) -> int:
    data = _editable(draft)
    data.setdefault("sections", []).append({"key": (key or "").strip(), "title": title or "", "questions": []})
    _touch(draft, actor, "section added", expected_version, data, section=key)
    return len(data["sections"]) - 1


def update_section(draft: TemplateDraft, index: int, *, key: str, title: str, actor,
                   expected_version: int | None = None) -> None:
    data = _editable(draft)
    section = _section(data, index)
    section["key"], section["title"] = (key or "").strip(), title or ""
    _touch(draft, actor, "section changed", expected_version, data, section=key)


def move_section(draft: TemplateDraft, index: int, step: int, *, actor) -> None:
    data = _editable(draft)
    sections = data["sections"]
    _section(data, index)
    target = index + step
    if 0 <= target < len(sections):
        sections[index], sections[target] = sections[target], sections[index]
        _touch(draft, actor, "section moved", None, data, section=sections[target]["key"])


def delete_section(draft: TemplateDraft, index: int, *, actor) -> None:
    data = _editable(draft)
    removed = _section(data, index)
    del data["sections"][index]
    _touch(draft, actor, "section deleted", None, data, section=removed["key"])


def save_question(draft: TemplateDraft, section: int, index: int | None, fields: dict, *, actor,
                  expected_version: int | None = None) -> int:
    """Store the question as entered (index None: a new one at the end of the section); the
    schema's problems with it are shown by the editor, not raised here. Returns its index."""
    data = _editable(draft)
    questions = _section(data, section)["questions"]
    question = {name: fields[name] for name in QUESTION_FIELDS if fields.get(name) not in (None, "", [], {})
                or name in ("required",)}
    question["limiting"] = bool(fields.get("limiting"))
    if not question["limiting"]:
        question.pop("limiting")
    if question.get("type") != "choice":
        question.pop("choices", None)   # choices belong to choice questions only
    if index is None:
        questions.append(question)
        index = len(questions) - 1
    else:
        _question(data, section, index)
        questions[index] = question
    _touch(draft, actor, "question saved", expected_version, data, question=question.get("key"))
    return index


def move_question(draft: TemplateDraft, section: int, index: int, step: int, *, actor) -> None:
    data = _editable(draft)
    questions = _section(data, section)["questions"]
    _question(data, section, index)
    target = index + step
    if 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
        _touch(draft, actor, "question moved", None, data, question=questions[target].get("key"))


def delete_question(draft: TemplateDraft, section: int, index: int, *, actor) -> None:
    data = _editable(draft)
    removed = _question(data, section, index)
    del data["sections"][section]["questions"][index]
    _touch(draft, actor, "question deleted", None, data, question=removed.get("key"))


def _section(data: dict, index: int) -> dict:
    sections = data.get("sections", [])
    if not 0 <= index < len(sections):
        raise DomainError("That section is not in the draft (it may have been deleted).")
    return sections[index]


def _question(data: dict, section: int, index: int) -> dict:
    questions = _section(data, section)["questions"]
    if not 0 <= index < len(questions):
        raise DomainError("That question is not in the draft (it may have been deleted).")
    return questions[index]


def publish(draft: TemplateDraft, *, actor) -> TemplateVersion:
    """Store the draft as a new immutable version and make it the current one (new rounds use it;
    audits already started keep theirs). ValidationFailed with the schema's problems (path,
    message); DomainError when an identical version is already stored."""
    if draft.status != DraftStatus.DRAFT:
        raise DomainError("This draft has already been published or discarded.")
    template, problems = parse(draft)
    if template is None:
        raise ValidationFailed([(p.path, p.reason) for p in problems])
    template = AuditTemplate(**{**template.__dict__, "source": yaml_text(draft.data)})
    digest = template.content_hash()
    same = db.session.scalar(sa.select(TemplateVersion).where(TemplateVersion.content_hash == digest))
    if same is not None:
        raise DomainError(f"Nothing has changed: this draft is the same as version {same.version_label} of "
                          f"'{same.title}'.")
    if db.session.scalar(sa.select(TemplateVersion.id).where(TemplateVersion.key == template.key,
                                                             TemplateVersion.version_label == template.version)):
        raise ValidationFailed([("version", f"Version {template.version} of this template exists: give the new "
                                            "version another label")])
    version = TemplateVersion(key=template.key, version_label=template.version, title=template.title,
                              content_hash=digest, definition=template.to_storage_dict(), current=True)
    db.session.add(version)
    db.session.flush()
    index_version(version)
    make_current(version)
    draft.status, draft.published_as_id = DraftStatus.PUBLISHED, version.id
    record(actor, "template.published", version, key=template.key, version=template.version, hash=digest,
           draft=draft.id)
    return version


def discard(draft: TemplateDraft, *, actor) -> None:
    if draft.status != DraftStatus.DRAFT:
        raise DomainError("This draft has already been published or discarded.")
    draft.status = DraftStatus.DISCARDED
    record(actor, "template_draft.discarded", draft, key=draft.key)


# ------------------------------------------------------------------ answers typed as labels

def answers_from_labels(on: dict | None, typed: list[str], scale) -> list[str]:
    """The answers a condition lists, as stored: "No" → "no" for yes/partly/no, "Inadequate" → "4"
    for a grade; anything else as typed (the schema says what it may be)."""
    if on is None:
        return typed
    if on.get("type") == "yes_partly_no":
        codes = {label.casefold(): code for code, label in YES_PARTLY_NO} | {code: code for code, _ in YES_PARTLY_NO}
        return [codes.get(t.casefold(), t) for t in typed]
    if on.get("type") == "grade" and scale is not None:
        values = {g.label.casefold(): str(g.value) for g in scale.grades}
        return [values.get(t.casefold(), t) for t in typed]
    return typed


def today_label() -> str:
    return date.today().isoformat()
