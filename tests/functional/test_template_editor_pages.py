"""The template editor over HTTP: a new template built section by section, the schema's messages
against the field, preview, publish, compare, YAML download and upload, and `templates sync`."""

import io
import re

import sqlalchemy as sa
from markupsafe import escape

from qa_app.audit_forms.models import TemplateVersion
from qa_app.extensions import db
from qa_app.history.models import Event
from qa_app.template_editor.models import TemplateDraft
from tests.conftest import _csrf_from, sign_in


def post(client, path, data, token):
    return client.post(path, data={**data, "csrf_token": token})


def lock(client, path):
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="version_lock" type="hidden" value="(\d+)"', html)
    return match.group(1) if match else ""


def build(client):
    token = _csrf_from(client.get("/templates/").get_data(as_text=True))
    made = post(client, "/templates/new", {"key": "early-help-plan", "title": "Early help plan audit"}, token)
    assert made.status_code == 302
    draft = db.session.scalar(sa.select(TemplateDraft).where(TemplateDraft.key == "early-help-plan"))
    base = f"/templates/drafts/{draft.id}"
    assert post(client, f"{base}/sections", {"key": "plan", "title": "The plan",
                                             "version_lock": lock(client, base)}, token).status_code == 302
    question = f"{base}/sections/0/questions/new"
    saved = post(client, question, {"key": "plan_smart", "text": "Is the plan SMART?", "type": "grade",
                                    "required": "y", "limiting": "y", "version_lock": lock(client, question)}, token)
    return draft, base, token, saved


def test_build_a_template_with_the_schema_messages_on_the_fields(app, client, make_user):
    sign_in(client, make_user("qa_lead"))
    draft, base, token, saved = build(client)
    # A grade question with no theme: saved, and the schema's own message shown against the field.
    assert saved.status_code == 302 and saved.location.endswith(f"{base}/sections/0/questions/0")
    page = client.get(saved.location).get_data(as_text=True)
    message = "a grade question needs at least one theme, so that it counts in themed reports"
    assert 'href="#themes"' in page and str(escape(message)) in page
    question = f"{base}/sections/0/questions/0"
    fixed = post(client, question, {"key": "plan_smart", "text": "Is the plan SMART?", "type": "grade",
                                    "required": "y", "limiting": "y", "themes": ["smart_objectives"],
                                    "version_lock": lock(client, question)}, token)
    assert fixed.status_code == 302 and fixed.location.endswith(f"{base}#section-0")
    # A conditional question that names a later question: the schema's message, on the condition.
    new = f"{base}/sections/0/questions/new"
    post(client, new, {"key": "family_agreed", "text": "Did the family agree the plan?", "type": "yes_partly_no",
                       "required": "y", "version_lock": lock(client, new)}, token)
    post(client, new, {"key": "why_not", "text": "Why did the family not agree?", "type": "text", "required": "y",
                       "show_if_question": "family_agreed", "show_if_answers": "No\nPartly",
                       "version_lock": lock(client, new)}, token)
    stored = db.session.get(TemplateDraft, draft.id)
    db.session.refresh(stored)
    assert stored.data["sections"][0]["questions"][2]["show_if"] == {"question": "family_agreed",
                                                                     "answers": ["no", "partly"]}
    overview = client.get(base).get_data(as_text=True)
    assert "applies_to: list at least one case type" in overview           # the schema's message
    assert re.search(r'<p id="applies_to-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">'
                     r'Error:</span> list at least one case type', overview)   # against the field
    details = post(client, base, {"title": "Early help plan audit", "version": "1", "applies_to": ["EH"],
                                  "scale_kind": "ofsted4", "version_lock": lock(client, base)}, token)
    assert details.status_code == 302
    overview = client.get(base).get_data(as_text=True)
    assert 'id="draft-valid"' in overview                                   # every check passes
    preview = client.get(f"{base}/preview").get_data(as_text=True)
    assert 'data-show-if="why_not"' not in preview and 'data-show-if="family_agreed"' in preview
    assert 'name="q_plan_smart"' in preview and "Answer this only if" in preview   # the real audit form

    published = post(client, f"{base}/publish", {}, token)
    assert published.status_code == 302
    version = db.session.scalar(sa.select(TemplateVersion).where(TemplateVersion.key == "early-help-plan"))
    assert version.current and version.version_label == "1"
    assert [q.key for q in version.template.questions()] == ["plan_smart", "family_agreed", "why_not"]
    actions = set(db.session.scalars(sa.select(Event.action).where(Event.action.like("template%"))))
    assert {"template_draft.created", "template_draft.changed", "template.published"} <= actions

    # Download its YAML, upload it back as a draft of a new version, change it, publish, compare.
    yaml_text = client.get(f"/templates/versions/{version.id}.yaml").get_data(as_text=True)
    assert "key: early-help-plan" in yaml_text and "show_if:" in yaml_text
    changed = yaml_text.replace("version: '1'", "version: '2'").replace("Is the plan SMART?", "Is the plan specific?")
    uploaded = client.post("/templates/upload", data={"csrf_token": token, "file": (io.BytesIO(changed.encode()),
                                                                                      "early-help-plan.yaml")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    second = db.session.scalars(sa.select(TemplateDraft).order_by(TemplateDraft.id.desc())).first()
    assert post(client, f"/templates/drafts/{second.id}/publish", {}, token).status_code == 302
    versions = db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.key == "early-help-plan")
                                  .order_by(TemplateVersion.id)).all()
    assert [v.version_label for v in versions] == ["1", "2"] and versions[1].current and not versions[0].current
    compared = client.get(f"/templates/early-help-plan/compare?from={versions[0].id}&to={versions[1].id}")
    html = compared.get_data(as_text=True)
    assert "0 added, 0 removed, 1 changed, 2 unchanged." in html
    assert "Is the plan SMART? → Is the plan specific?" in html


def test_a_bad_upload_lists_every_problem_and_stores_nothing(app, client, make_user):
    sign_in(client, make_user("qa_lead"))
    token = _csrf_from(client.get("/templates/").get_data(as_text=True))
    bad = b"key: x\ntitle: X\nversion: 1\napplies_to: [CP]\nscale: ofsted4\nsections: []\n"
    response = client.post("/templates/upload", data={"csrf_token": token, "file": (io.BytesIO(bad), "x.yaml")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "version: must be text, not the number" in html
    assert "sections: a template needs at least one section" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TemplateDraft)) == 0


def test_publishing_keeps_started_audits_on_their_version(app, client, make_user, make_audit):
    audit = make_audit(status="in_progress")
    before = audit.template_version_id
    sign_in(client, make_user("qa_lead"))
    token = _csrf_from(client.get("/templates/").get_data(as_text=True))
    assert post(client, f"/templates/versions/{before}/draft", {}, token).status_code == 302
    draft = db.session.scalars(sa.select(TemplateDraft)).one()
    assert post(client, f"/templates/drafts/{draft.id}/publish", {}, token).status_code == 302
    db.session.expire_all()
    assert audit.template_version_id == before
    assert db.session.get(TemplateVersion, before).current is False


def test_sync_does_not_turn_back_a_version_published_in_the_browser(app, client, make_user, runner):
    sign_in(client, make_user("qa_lead"))
    token = _csrf_from(client.get("/templates/").get_data(as_text=True))
    shipped = db.session.scalar(sa.select(TemplateVersion).where(TemplateVersion.key == "neglect",
                                                                 TemplateVersion.current.is_(True)))
    post(client, f"/templates/versions/{shipped.id}/draft", {}, token)
    draft = db.session.scalars(sa.select(TemplateDraft)).one()
    post(client, f"/templates/drafts/{draft.id}/publish", {}, token)
    result = runner.invoke(args=["templates", "sync"])
    assert result.exit_code == 0, result.output
    assert "neglect: the file is older than the version published in the browser" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(TemplateVersion.version_label).where(
        TemplateVersion.key == "neglect", TemplateVersion.current.is_(True))) == "2026.2"
