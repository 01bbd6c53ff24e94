"""Access policy and scenarios of the template editor (merged by test_access_matrix.py)."""

import io

from flask import url_for

from tests.functional.matrix_common import Call

EDITORS = frozenset({"qa_lead", "admin"})

POLICY = {
    "template_editor.index": {"GET": EDITORS},
    "template_editor.new": {"POST": EDITORS},
    "template_editor.upload": {"POST": EDITORS},
    "template_editor.version": {"GET": EDITORS},
    "template_editor.version_yaml": {"GET": EDITORS},
    "template_editor.new_version": {"POST": EDITORS},
    "template_editor.compare_versions": {"GET": EDITORS},
    "template_editor.draft": {"GET": EDITORS, "POST": EDITORS},
    "template_editor.add_section": {"POST": EDITORS},
    "template_editor.section": {"GET": EDITORS, "POST": EDITORS},
    "template_editor.question": {"GET": EDITORS, "POST": EDITORS},
    "template_editor.preview": {"GET": EDITORS},
    "template_editor.publish": {"POST": EDITORS},
    "template_editor.discard": {"POST": EDITORS},
}


def _draft(w):
    return w.extra["draft_id"]


def _spare(w, who):
    """A draft of its own for each allowed request that ends a draft (publish, discard): the world
    is shared by every principal; a refused request changes nothing, so any draft does for it."""
    return w.extra["spare_drafts"].pop() if who in EDITORS else _draft(w)


def _yaml(w, who):
    return (b'key: matrix-upload\ntitle: Matrix upload\nversion: "1"\napplies_to: [CP]\nscale: ofsted4\nsections:\n'
            b'  - key: s\n    title: S\n    questions:\n      - key: q\n        text: Q?\n        type: grade\n'
            b'        themes: [recording]\n')


SCENARIOS = {
    ("template_editor.index", "GET"): lambda w, who: Call(url_for("template_editor.index"), 200),
    ("template_editor.new", "POST"): lambda w, who: Call(
        url_for("template_editor.new"), 302, r"/templates/drafts/\d+",
        data={"key": f"matrix-new-{w.tag.lower()}-{who.replace('_', '-')}", "title": "Matrix new"}, event="template_draft.created"),
    ("template_editor.upload", "POST"): lambda w, who: Call(
        url_for("template_editor.upload"), 302, r"/templates/drafts/\d+",
        data={"file": (io.BytesIO(_yaml(w, who)), "matrix-upload.yaml")}, event="template_draft.uploaded"),
    ("template_editor.version", "GET"): lambda w, who: Call(
        url_for("template_editor.version", version_id=w.extra["version_id"]), 200),
    ("template_editor.version_yaml", "GET"): lambda w, who: Call(
        url_for("template_editor.version_yaml", version_id=w.extra["version_id"]), 200, event="template.downloaded"),
    ("template_editor.new_version", "POST"): lambda w, who: Call(
        url_for("template_editor.new_version", version_id=w.extra["version_id"]), 302, r"/templates/drafts/\d+",
        event="template_draft.created"),
    ("template_editor.compare_versions", "GET"): lambda w, who: Call(
        url_for("template_editor.compare_versions", key="cp-cin-case-file"), 200),
    ("template_editor.draft", "GET"): lambda w, who: Call(url_for("template_editor.draft", draft_id=_draft(w)), 200),
    ("template_editor.draft", "POST"): lambda w, who: Call(
        url_for("template_editor.draft", draft_id=_draft(w)), 302, rf"/templates/drafts/{_draft(w)}",
        data={"title": "Matrix title", "version": f"m-{w.tag}", "applies_to": ["CP"], "scale_kind": "ofsted4"},
        event="template_draft.changed"),
    ("template_editor.add_section", "POST"): lambda w, who: Call(
        url_for("template_editor.add_section", draft_id=_draft(w)), 302, rf"/templates/drafts/{_draft(w)}",
        data={"key": "extra", "title": "Extra"}, event="template_draft.changed"),
    ("template_editor.section", "GET"): lambda w, who: Call(
        url_for("template_editor.section", draft_id=_draft(w), index=0), 200),
    ("template_editor.section", "POST"): lambda w, who: Call(
        url_for("template_editor.section", draft_id=_draft(w), index=0), 302,
        rf"/templates/drafts/{_draft(w)}/sections/0", data={"key": "renamed", "title": "Renamed", "action": "save"},
        event="template_draft.changed"),
    ("template_editor.question", "GET"): lambda w, who: Call(
        url_for("template_editor.question", draft_id=_draft(w), section_index=0, index=0), 200),
    ("template_editor.question", "POST"): lambda w, who: Call(
        url_for("template_editor.question", draft_id=_draft(w), section_index=0, index=0), 302,
        rf"/templates/drafts/{_draft(w)}", data={"key": "current_plan", "text": "Which plan?", "type": "choice",
                                                 "required": "y", "choices": "CIN\nCP", "action": "save"},
        event="template_draft.changed"),
    ("template_editor.preview", "GET"): lambda w, who: Call(url_for("template_editor.preview", draft_id=_draft(w)), 200),
    ("template_editor.publish", "POST"): lambda w, who: Call(
        url_for("template_editor.publish", draft_id=_spare(w, who)), 302, r"/templates/versions/\d+",
        event="template.published"),
    ("template_editor.discard", "POST"): lambda w, who: Call(
        url_for("template_editor.discard", draft_id=_spare(w, who)), 302, "/templates/", event="template_draft.discarded"),
}


def extend_world(app, people, world) -> None:
    """A valid draft of a new version of the CP/CIN template, labelled for this world."""
    from qa_app.audit_forms.services import current_version
    from qa_app.auth.models import User
    from qa_app.extensions import db
    from qa_app.template_editor.services import draft_from_version

    with app.app_context():
        lead = db.session.get(User, people["qa_lead"].id)
        version = current_version("cp-cin-case-file")
        drafts = []
        for n in range(len(EDITORS) + 1):
            draft = draft_from_version(version, actor=lead)
            draft.data = {**draft.data, "version": f"matrix-{world.tag}-{n}"}
            drafts.append(draft)
        db.session.commit()
        world.extra["draft_id"], world.extra["version_id"] = drafts[0].id, version.id
        world.extra["spare_drafts"] = [d.id for d in drafts[1:]]
