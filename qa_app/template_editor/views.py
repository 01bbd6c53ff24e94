"""Audit templates in the browser: list, preview, YAML download and upload, drafts edited section
by section and question by question, publish, and compare two versions."""

import re

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.schema import MAX_BYTES, YES_PARTLY_NO, GradeScale
from qa_app.audits.forms import COUNT_FROM_PERCENT, MAX_TEXT, build_audit_form
from qa_app.auth.forms import EmptyForm
from qa_app.auth.models import Role
from qa_app.auth.permissions import roles_required
from qa_app.errors import DomainError
from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.template_editor import services
from qa_app.template_editor.compare import compare
from qa_app.template_editor.forms import (
    DETAILS_PATH_FIELDS, QUESTION_PATH_FIELDS, SCALE_PATH_FIELDS, DetailsForm, NewTemplateForm, QuestionForm,
    SectionForm, UploadForm,
)
from qa_app.template_editor.models import DraftStatus, TemplateDraft
from qa_app.writes import attach_problems, commit_form

bp = Blueprint("template_editor", __name__, url_prefix="/templates")
EDITORS = (Role.QA_LEAD, Role.ADMIN)
_INDEX = re.compile(r"sections\[(\d+)\](?:\.questions\[(\d+)\])?\.?(.*)")


# ------------------------------------------------------------------ listing, versions, YAML

def _index_page(new_form=None, upload_form=None, status=200):
    versions = db.session.scalars(sa.select(TemplateVersion).order_by(TemplateVersion.title,
                                                                      TemplateVersion.id.desc())).all()
    drafts = db.session.scalars(sa.select(TemplateDraft).where(TemplateDraft.status == DraftStatus.DRAFT)
                                .order_by(TemplateDraft.updated_at.desc())).all()
    return render_template("template_editor/index.html", versions=versions, drafts=drafts,
                           new_form=new_form or NewTemplateForm(), upload_form=upload_form or UploadForm(),
                           action_form=EmptyForm()), status


@bp.route("/")
@roles_required(*EDITORS)
def index():
    return _index_page()


@bp.route("/new", methods=["POST"])
@roles_required(*EDITORS)
def new():
    form = NewTemplateForm()
    written = commit_form(form, lambda: services.new_template(key=form.key.data, title=form.title.data,
                                                              actor=current_user), fallback="key")
    if written.ok:
        flash("Template started. Add its sections and questions, preview it, then publish it.", "success")
        return redirect(url_for("template_editor.draft", draft_id=written.value.id))
    return _index_page(new_form=form, status=400)


@bp.route("/upload", methods=["POST"])
@roles_required(*EDITORS)
def upload():
    form = UploadForm()

    def load():
        file = form.file.data
        if file is None or not getattr(file, "filename", ""):
            raise services.ValidationFailed([("file", "Choose a template file to upload")])
        data = file.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise services.ValidationFailed([("file", f"The file is larger than {MAX_BYTES // 1024 // 1024} MB")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise services.ValidationFailed([("file", "The file is not UTF-8 text")]) from None
        return services.draft_from_yaml(text, file.filename, actor=current_user)

    written = commit_form(form, load, fallback="file")
    if written.ok:
        flash("File uploaded as a draft. Check it, preview it, then publish it.", "success")
        return redirect(url_for("template_editor.draft", draft_id=written.value.id))
    return _index_page(upload_form=form, status=400)


@bp.route("/versions/<int:version_id>")
@roles_required(*EDITORS)
def version(version_id: int):
    stored = db.get_or_404(TemplateVersion, version_id)
    others = db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.key == stored.key)
                                .order_by(TemplateVersion.id.desc())).all()
    return render_template("template_editor/version.html", version=stored, template=stored.template, others=others,
                           **_preview(stored.template), action_form=EmptyForm())


@bp.route("/versions/<int:version_id>.yaml")
@roles_required(*EDITORS)
def version_yaml(version_id: int):
    stored = db.get_or_404(TemplateVersion, version_id)
    text = stored.template.source or services.yaml_text(services.data_of(stored.template))
    record(current_user, "template.downloaded", stored, key=stored.key, version=stored.version_label)
    db.session.commit()
    response = make_response(text)
    response.headers["Content-Type"] = "application/yaml; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{stored.key}.yaml"'
    return response


@bp.route("/versions/<int:version_id>/draft", methods=["POST"])
@roles_required(*EDITORS)
def new_version(version_id: int):
    stored = db.get_or_404(TemplateVersion, version_id)
    written = commit_form(EmptyForm(), lambda: services.draft_from_version(stored, actor=current_user))
    if not written.ok:
        abort(400)
    flash(f"A draft of a new version of '{stored.title}'. Audits already started keep their version.", "success")
    return redirect(url_for("template_editor.draft", draft_id=written.value.id))


@bp.route("/<key>/compare")
@roles_required(*EDITORS)
def compare_versions(key: str):
    versions = db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.key == key)
                                  .order_by(TemplateVersion.id)).all()
    if not versions:
        abort(404)
    by_id = {v.id: v for v in versions}
    old = by_id.get(request.args.get("from", type=int)) or (versions[-2] if len(versions) > 1 else versions[0])
    new = by_id.get(request.args.get("to", type=int)) or versions[-1]
    return render_template("template_editor/compare.html", versions=versions, old=old, new=new,
                           result=compare(old.template, new.template))


def _preview(template) -> dict:
    form = build_audit_form(template, formdata=None)
    return {"form": form, "extensions": [], "max_text": MAX_TEXT, "count_from": COUNT_FROM_PERCENT}


# ------------------------------------------------------------------ drafts

def _draft(draft_id: int) -> TemplateDraft:
    return db.get_or_404(TemplateDraft, draft_id)


def _lock(form) -> int | None:
    value = form.version_lock.data
    return int(value) if value and str(value).isdigit() else None


def _split(problems):
    """The schema's problems by where they belong: template details, each section, each question."""
    details, sections, questions = [], {}, {}
    for p in problems:
        match = _INDEX.fullmatch(p.path)
        if match and match.group(2) is not None:
            questions.setdefault((int(match.group(1)), int(match.group(2))), []).append((match.group(3), p.reason))
        elif match:
            sections.setdefault(int(match.group(1)), []).append((match.group(3), p.reason))
        else:
            details.append((p.path, p.reason))
    return details, sections, questions


def _details_form(draft: TemplateDraft, formdata=None) -> DetailsForm:
    data = draft.data
    scale = data.get("scale")
    custom = isinstance(scale, dict)
    values = {"version_lock": str(draft.version), "title": data.get("title", ""), "version": data.get("version", ""),
              "description": data.get("description", ""), "applies_to": data.get("applies_to", []),
              "scale_kind": "custom" if custom else "ofsted4"}
    if custom:
        values |= {"scale_key": str(scale.get("key", "")),
                   "scale_grades": "\n".join(f"{g.get('value')} = {g.get('label')}" for g in scale.get("grades", [])
                                             if isinstance(g, dict)),
                   "scale_good": ", ".join(map(str, scale.get("good_or_better", []))),
                   "scale_inadequate": str(scale.get("inadequate", "")),
                   "scale_evidence": ", ".join(map(str, scale.get("evidence_required", [])))}
    return DetailsForm(formdata=formdata, data=values) if formdata is None else DetailsForm()


def _number(text: str):
    text = text.strip()
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _scale_from(form: DetailsForm):
    if form.scale_kind.data != "custom":
        return "ofsted4"
    grades = []
    for line in (form.scale_grades.data or "").splitlines():
        if line.strip():
            value, _, label = line.partition("=")
            grades.append({"value": _number(value), "label": label.strip()})
    listed = lambda text: [_number(v) for v in (text or "").split(",") if v.strip()]  # noqa: E731
    return {"key": (form.scale_key.data or "").strip(), "grades": grades, "good_or_better": listed(form.scale_good.data),
            "inadequate": _number(form.scale_inadequate.data or "") if (form.scale_inadequate.data or "").strip()
            else None, "evidence_required": listed(form.scale_evidence.data)}


@bp.route("/drafts/<int:draft_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def draft(draft_id: int):
    draft = _draft(draft_id)
    if request.method == "POST":
        form = DetailsForm()
        written = commit_form(form, lambda: services.update_details(
            draft, title=form.title.data, version_label=form.version.data, description=form.description.data,
            applies_to=form.applies_to.data, scale=_scale_from(form), actor=current_user,
            expected_version=_lock(form)), fallback="title")
        if written.ok:
            flash("Details saved.", "success")
            return redirect(url_for("template_editor.draft", draft_id=draft.id))
        db.session.refresh(draft)
    else:
        form = _details_form(draft)
    template, problems = services.parse(draft)
    details, sections, questions = _split(problems)
    if request.method == "GET":
        for path, reason in details:
            head = path.split(".")[0].split("[")[0]
            if head == "scale" and "." in path:
                field = SCALE_PATH_FIELDS.get(path.split(".")[1].split("[")[0], "scale_kind")
            else:
                field = DETAILS_PATH_FIELDS.get(head, "title")
            attach_problems(form, [(field, reason)], fallback="title")
    return render_template("template_editor/draft.html", draft=draft, form=form, problems=problems,
                           section_problems=sections, question_problems=questions, valid=template is not None,
                           section_form=SectionForm(data={"version_lock": str(draft.version)}),
                           action_form=EmptyForm()), 400 if form.errors and request.method == "POST" else 200


@bp.route("/drafts/<int:draft_id>/sections", methods=["POST"])
@roles_required(*EDITORS)
def add_section(draft_id: int):
    draft = _draft(draft_id)
    form = SectionForm()
    written = commit_form(form, lambda: services.add_section(draft, key=form.key.data, title=form.title.data,
                                                             actor=current_user, expected_version=_lock(form)),
                          conflicts="raise")
    if written.ok:
        flash("Section added. Now add its questions.", "success")
    return redirect(url_for("template_editor.draft", draft_id=draft.id) + "#sections")


@bp.route("/drafts/<int:draft_id>/sections/<int:index>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def section(draft_id: int, index: int):
    draft = _draft(draft_id)
    sections = draft.data.get("sections", [])
    if not 0 <= index < len(sections):
        abort(404)
    action = request.form.get("action", "save")
    if request.method == "POST" and action in ("up", "down", "delete"):
        change = {"up": lambda: services.move_section(draft, index, -1, actor=current_user),
                  "down": lambda: services.move_section(draft, index, 1, actor=current_user),
                  "delete": lambda: services.delete_section(draft, index, actor=current_user)}[action]
        if commit_form(EmptyForm(), change).ok:
            flash("Section deleted." if action == "delete" else "Section moved.", "success")
        return redirect(url_for("template_editor.draft", draft_id=draft.id) + "#sections")
    form = SectionForm() if request.method == "POST" else SectionForm(
        data={"version_lock": str(draft.version), **{k: sections[index].get(k, "") for k in ("key", "title")}})
    if request.method == "POST":
        written = commit_form(form, lambda: services.update_section(
            draft, index, key=form.key.data, title=form.title.data, actor=current_user,
            expected_version=_lock(form)), conflicts="raise")
        if written.ok:
            return redirect(url_for("template_editor.section", draft_id=draft.id, index=index))
    _, section_problems, _ = _split(services.parse(draft)[1])
    for path, reason in section_problems.get(index, []):
        attach_problems(form, [({"key": "key", "title": "title"}.get(path.split(".")[0], "title"), reason)])
    return render_template("template_editor/section.html", draft=draft, index=index, section=sections[index],
                           form=form), 200


def _earlier_questions(draft: TemplateDraft, section: int, index: int | None):
    result = []
    for s, sec in enumerate(draft.data.get("sections", [])):
        for q, question in enumerate(sec.get("questions", [])):
            if (s, q) >= (section, index if index is not None else 10 ** 6):
                return result
            if question.get("type") in ("grade", "yes_partly_no", "choice") and question.get("key"):
                result.append(question)
    return result


def _scale(draft: TemplateDraft) -> GradeScale | None:
    from qa_app.audit_forms.schema import BUILTIN_SCALES

    scale = draft.data.get("scale")
    if isinstance(scale, str):
        return BUILTIN_SCALES.get(scale)
    try:
        return GradeScale.from_dict(scale)
    except (KeyError, TypeError, ValueError):
        return None


def _labels_of(on: dict | None, answers: list[str], scale) -> list[str]:
    if on is None:
        return answers
    if on.get("type") == "yes_partly_no":
        return [dict(YES_PARTLY_NO).get(a, a) for a in answers]
    if on.get("type") == "grade" and scale is not None:
        return [next((g.label for g in scale.grades if str(g.value) == a), a) for a in answers]
    return answers


@bp.route("/drafts/<int:draft_id>/sections/<int:section_index>/questions/new", methods=["GET", "POST"],
          defaults={"index": None})
@bp.route("/drafts/<int:draft_id>/sections/<int:section_index>/questions/<int:index>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def question(draft_id: int, section_index: int, index: int | None):
    draft = _draft(draft_id)
    sections = draft.data.get("sections", [])
    if not 0 <= section_index < len(sections) or (
            index is not None and not 0 <= index < len(sections[section_index].get("questions", []))):
        abort(404)
    action = request.form.get("action", "save")
    if request.method == "POST" and index is not None and action in ("up", "down", "delete"):
        change = {"up": lambda: services.move_question(draft, section_index, index, -1, actor=current_user),
                  "down": lambda: services.move_question(draft, section_index, index, 1, actor=current_user),
                  "delete": lambda: services.delete_question(draft, section_index, index, actor=current_user)}[action]
        if commit_form(EmptyForm(), change).ok:
            flash("Question deleted." if action == "delete" else "Question moved.", "success")
        return redirect(url_for("template_editor.draft", draft_id=draft.id) + f"#section-{section_index}")
    earlier = _earlier_questions(draft, section_index, index)
    scale = _scale(draft)
    stored = sections[section_index]["questions"][index] if index is not None else {
        "type": "yes_partly_no", "required": True}
    if request.method == "POST":
        form = QuestionForm()
    else:
        on = stored.get("show_if") or {}
        on_question = next((q for q in earlier if q.get("key") == on.get("question")), None)
        form = QuestionForm(data={
            "version_lock": str(draft.version), "key": stored.get("key", ""), "text": stored.get("text", ""),
            "guidance": stored.get("guidance", ""), "type": stored.get("type", ""),
            "required": stored.get("required", stored.get("type") in ("grade", "yes_partly_no", "choice")),
            "limiting": stored.get("limiting", False), "themes": stored.get("themes", []),
            "choices": "\n".join(stored.get("choices", [])), "show_if_question": on.get("question", ""),
            "show_if_answers": "\n".join(_labels_of(on_question, [str(a) for a in on.get("answers", [])], scale))})
    form.show_if_question.choices = [("", "Always: no condition")] + [
        (q["key"], f"{q['key']}: {' '.join(str(q.get('text', '')).split())[:70]}") for q in earlier]
    if request.method == "POST":
        def save():
            on_key = form.show_if_question.data or ""
            typed = [line.strip() for line in (form.show_if_answers.data or "").splitlines() if line.strip()]
            on_question = next((q for q in earlier if q.get("key") == on_key), None)
            show_if = {"question": on_key, "answers": services.answers_from_labels(on_question, typed, scale)} \
                if on_key else None
            return services.save_question(draft, section_index, index, {
                "key": (form.key.data or "").strip(), "text": form.text.data or "", "guidance": form.guidance.data or "",
                "type": form.type.data or "", "required": bool(form.required.data), "limiting": form.limiting.data,
                "themes": list(form.themes.data or []),
                "choices": [c.strip() for c in (form.choices.data or "").splitlines() if c.strip()],
                "show_if": show_if}, actor=current_user, expected_version=_lock(form))

        written = commit_form(form, save, fallback="text", conflicts="raise")
        if written.ok:
            saved_at = written.value
            _, _, question_problems = _split(services.parse(draft)[1])
            if question_problems.get((section_index, saved_at)):
                flash("Question saved, but it has problems to put right before the template can be published.",
                      "info")
                return redirect(url_for("template_editor.question", draft_id=draft.id, section_index=section_index,
                                        index=saved_at))
            flash("Question saved.", "success")
            return redirect(url_for("template_editor.draft", draft_id=draft.id) + f"#section-{section_index}")
    elif index is not None:
        _, _, question_problems = _split(services.parse(draft)[1])
        for path, reason in question_problems.get((section_index, index), []):
            head = path.split(".")[0].split("[")[0]
            field = "show_if_answers" if path.startswith("show_if.answers") else QUESTION_PATH_FIELDS.get(head, "key")
            attach_problems(form, [(field, reason)], fallback="text")
    return render_template("template_editor/question.html", draft=draft, section_index=section_index, index=index,
                           section=sections[section_index], form=form, action_form=EmptyForm())


@bp.route("/drafts/<int:draft_id>/preview")
@roles_required(*EDITORS)
def preview(draft_id: int):
    draft = _draft(draft_id)
    template, problems = services.parse(draft)
    context = _preview(template) if template is not None else {}
    return render_template("template_editor/preview.html", draft=draft, template=template, problems=problems,
                           **context), 200


@bp.route("/drafts/<int:draft_id>/publish", methods=["POST"])
@roles_required(*EDITORS)
def publish(draft_id: int):
    draft = _draft(draft_id)
    try:
        written = commit_form(EmptyForm(), lambda: services.publish(draft, actor=current_user))
    except DomainError as error:
        flash(error.message, "info")
        return redirect(url_for("template_editor.draft", draft_id=draft.id))
    if not written.ok:
        flash("The template has problems: put them right, then publish it.", "info")
        return redirect(url_for("template_editor.draft", draft_id=draft.id))
    version = written.value
    flash(f"Published: version {version.version_label} of '{version.title}' is now the one new rounds use. "
          "Audits already started keep their version. Download its YAML to keep the files in step.", "success")
    return redirect(url_for("template_editor.version", version_id=version.id))


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
@roles_required(*EDITORS)
def discard(draft_id: int):
    draft = _draft(draft_id)
    if commit_form(EmptyForm(), lambda: services.discard(draft, actor=current_user)).ok:
        flash("Draft discarded.", "success")
    return redirect(url_for("template_editor.index"))
