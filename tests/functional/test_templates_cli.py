"""`templates check|sync|show`: validation, immutable versions, and the JSON shape others rely on."""

import json
import shutil
from pathlib import Path

import sqlalchemy as sa

from qa_app.audit_forms.models import TemplateVersion
from qa_app.audit_forms.services import current_version, sync_templates
from qa_app.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def test_check_passes_on_the_shipped_templates(runner):
    result = runner.invoke(args=["templates", "check"])
    assert result.exit_code == 0, result.output
    assert "9 template(s) valid" in result.output


def test_check_reports_every_problem_with_file_and_path(runner, tmp_path):
    (tmp_path / "broken.yaml").write_text(
        "key: broken\ntitle: Broken\nversion: '1'\napplies_to: [CP, XX]\nscale: ofsted4\ncolour: blue\n"
        "sections:\n  - key: s\n    title: S\n    questions:\n"
        "      - {key: q1, text: A, type: grade, themes: [risk_assessment]}\n"
        "      - {key: q1, text: B, type: essay}\n"
        "      - {key: q3, text: C, type: text, limiting: true}\n"
    )
    result = runner.invoke(args=["templates", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    output = result.output
    for fragment in ("broken.yaml", "applies_to", "colour", "q1", "essay", "limiting"):
        assert fragment in output, fragment
    assert "Traceback" not in output


def test_sync_is_idempotent_and_a_changed_file_is_a_new_version(app, runner, tmp_path, make_audit):
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "audit_templates", folder)
    before = db.session.scalar(sa.select(sa.func.count(TemplateVersion.id)))
    result = runner.invoke(args=["templates", "sync", "--dir", str(folder)])
    assert result.exit_code == 0 and "0 new version" in result.output
    assert db.session.scalar(sa.select(sa.func.count(TemplateVersion.id))) == before

    audit = make_audit()  # started on the current cp-cin version
    old_version = audit.template_version
    path = folder / "cp-cin-case-file.yaml"
    path.write_text(path.read_text().replace("Is there a good-quality assessment", "Is there a strong assessment"))
    sync_templates(str(folder))
    db.session.commit()
    new_version = current_version("cp-cin-case-file")
    assert new_version.id != old_version.id
    assert db.session.get(TemplateVersion, old_version.id).current is False
    db.session.expire_all()
    assert "good-quality" in audit.template.question("assessment_quality").text
    assert "strong assessment" in new_version.template.question("assessment_quality").text


def test_a_bad_file_is_never_half_loaded(app, runner, tmp_path):
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "audit_templates", folder)
    (folder / "zz-bad.yaml").write_text("key: zz-bad\ntitle: x\n")
    result = runner.invoke(args=["templates", "sync", "--dir", str(folder)])
    assert result.exit_code == 1 and "zz-bad.yaml" in result.output
    assert db.session.scalar(sa.select(TemplateVersion).where(TemplateVersion.key == "zz-bad")) is None


def test_show_json_has_the_documented_shape(runner):
    result = runner.invoke(args=["templates", "show", "cp-cin-case-file", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"key", "version", "title", "scale", "sections"}
    assert data["scale"][:2] == [{"value": 1, "label": "Outstanding"}, {"value": 2, "label": "Good"}]
    question = data["sections"][0]["questions"][0]
    assert set(question) == {"key", "text", "type", "required", "limiting", "themes", "choices"}
    choice = next(q for s in data["sections"] for q in s["questions"] if q["type"] == "choice")
    assert len(choice["choices"]) >= 2
    assert all(q["choices"] == [] for s in data["sections"] for q in s["questions"] if q["type"] != "choice")
    assert any(q["limiting"] and "risk_assessment" in q["themes"] for s in data["sections"] for q in s["questions"])


def test_show_unknown_key_is_a_clear_error(runner):
    result = runner.invoke(args=["templates", "show", "nope"])
    assert result.exit_code == 1 and "No template with the key 'nope'" in result.output


def test_app_names_a_bad_template_file_on_start(tmp_path, database_url):
    from qa_app import create_app

    (tmp_path / "bad.yaml").write_text("key: [unclosed\n")
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database_url, "TEMPLATES_DIR": str(tmp_path)})
    problems = app.config["TEMPLATE_PROBLEMS"]
    assert problems and problems[0].file.endswith("bad.yaml")
