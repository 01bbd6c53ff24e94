"""Storing template files as immutable versions in the database."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from qa_app.audit_forms.models import QuestionTheme, TemplateGrade, TemplateQuestion, TemplateVersion
from qa_app.audit_forms.schema import TemplateInvalid, TemplateProblem, load_directory
from qa_app.extensions import db
from qa_app.history.services import record


@dataclass
class SyncResult:
    added: list[str]
    unchanged: list[str]
    problems: list[TemplateProblem]
    # Keys whose file holds an older version than the current one (published in the browser since):
    # the current version stays; download it to bring the folder up to date.
    behind: list[str] = field(default_factory=list)


def sync_templates(directory: str, actor=None) -> SyncResult:
    """Store every valid template file whose content is new; bad files are reported, not stored.

    A version already stored (same content hash) is left as it is; the newest version of each
    key becomes the current one. A file holding an older stored version than the current one (a
    newer one was published in the browser) does not turn the clock back: it is listed in
    `behind`. Nothing is ever updated in place or deleted.
    """
    templates, problems = load_directory(directory)
    result = SyncResult(added=[], unchanged=[], problems=problems)
    index_unindexed_versions()
    for template in templates:
        digest = template.content_hash()
        existing = db.session.scalar(sa.select(TemplateVersion).where(TemplateVersion.content_hash == digest))
        if existing is not None:
            result.unchanged.append(template.key)
            if not existing.current:
                newer = db.session.scalar(sa.select(TemplateVersion.id).where(
                    TemplateVersion.key == template.key, TemplateVersion.current.is_(True),
                    TemplateVersion.id > existing.id))
                if newer is None:
                    make_current(existing)
                else:
                    result.behind.append(template.key)
            continue
        version = TemplateVersion(
            key=template.key, version_label=template.version, title=template.title,
            content_hash=digest, definition=template.to_storage_dict(), current=True,
        )
        db.session.add(version)
        db.session.flush()
        index_version(version)
        make_current(version)
        record(actor, "template.synced", version, key=template.key, version=template.version, hash=digest)
        result.added.append(template.key)
    return result


def index_version(version: TemplateVersion) -> None:
    """Store the version's questions, themes and grades as rows for the reports' SQL."""
    template = version.template
    position = 0
    for section in template.sections:
        for question in section.questions:
            position += 1
            db.session.add(TemplateQuestion(
                template_version_id=version.id, key=question.key, position=position,
                section_key=section.key, section_title=section.title, text=question.text,
                type=question.type, limiting=question.limiting,
            ))
            for theme in question.themes:
                db.session.add(QuestionTheme(template_version_id=version.id, question_key=question.key,
                                             theme=theme))
    scale = template.scale
    for rank, grade in enumerate(scale.grades):
        db.session.add(TemplateGrade(
            template_version_id=version.id, value=grade.value, label=grade.label, rank=rank,
            good_or_better=grade.value in scale.good_or_better, inadequate=grade.value == scale.inadequate,
        ))
    db.session.flush()


def index_unindexed_versions() -> None:
    """Index versions stored before the index tables existed (or by an import)."""
    indexed = sa.select(TemplateGrade.template_version_id).distinct()
    for version in db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.id.not_in(indexed))):
        index_version(version)


def make_current(version: TemplateVersion) -> None:
    """The version new rounds use from now on (the others of its key stop being current)."""
    db.session.execute(
        sa.update(TemplateVersion)
        .where(TemplateVersion.key == version.key, TemplateVersion.id != version.id)
        .values(current=False)
    )
    version.current = True


def current_versions() -> list[TemplateVersion]:
    return list(db.session.scalars(
        sa.select(TemplateVersion).where(TemplateVersion.current.is_(True)).order_by(TemplateVersion.title)
    ))


def current_version(key: str) -> TemplateVersion | None:
    return db.session.scalar(
        sa.select(TemplateVersion).where(TemplateVersion.key == key, TemplateVersion.current.is_(True))
    )


__all__ = ["SyncResult", "TemplateInvalid", "current_version", "current_versions", "sync_templates"]
