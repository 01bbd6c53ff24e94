"""How features plug into an audit's form and its save, without the audit knowing them.

The audit sits at the bottom of the house: follow-up checks (reviews), escalations of a child at
immediate risk and whatever comes next build on it. Each such feature registers one
`AuditExtension` in its `register()` function (called once, from `qa_app.features`):

- `context(audit)`: what the extension needs for this audit, or None when it has nothing to do
  with it (then nothing else of it is called for that audit);
- `fields(context)`: form fields the audit form gains, grouped by the question they follow on the
  page: {question key or None (after the last section): {name: unbound WTForms field}};
- `form_data(context)`: the saved values of those fields, for the first render of the form;
- `read(form, context)`: what the user entered in them, handed to `check` and `after_save` (a
  service caller without a form passes the same thing in `save_audit(extensions={name: …})`);
- `check(context, entered, audit=, actor=, submit=, answers=)`: (form field, message) for every
  reason the save cannot go ahead, reported with the audit's own problems (nothing is written
  when any); `answers` are the answers being saved, as `save_audit` takes them;
- `after_save(context, entered, saved)`: further writes once the audit is saved (`saved` is an
  `AuditSaved`); may return something to tell the user, or None: a sentence (said with the
  save's confirmation), or (category, text) for a banner of its own (category "warning": what
  the user must do now);
- `question_template`: a template included on the audit form after each question (it sees
  `question`, `form` and the extension's context as `extension_context`), and `form_template`:
  one included after the last section.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuditSaved:
    """What a save changed: the audit, who saved it, whether it was a submission, the changed
    answers ({question key: {"from", "to"}}) and the changed overall fields ({name: [old, new]});
    `notices` collects what the extensions want the user told, as (category, text): "info" is
    said with the save's confirmation, any other category is a banner of its own."""

    audit: Any
    actor: Any
    submit: bool
    answers: dict = field(default_factory=dict)
    overall: dict = field(default_factory=dict)
    notices: list[tuple[str, str]] = field(default_factory=list)


def _nothing(*_args, **_kwargs):
    return None


@dataclass(frozen=True)
class AuditExtension:
    name: str
    context: Callable[[Any], Any | None]
    fields: Callable[[Any], dict] = lambda _context: {}
    form_data: Callable[[Any], dict] = lambda _context: {}
    read: Callable[[Any, Any], Any] = _nothing
    check: Callable[..., list[tuple[str, str]]] = lambda *_args, **_kwargs: []
    after_save: Callable[[Any, Any, AuditSaved], str | None] = _nothing
    question_template: str | None = None
    form_template: str | None = None
    order: int = 50


@dataclass
class ExtensionRegistry:
    extensions: list[AuditExtension] = field(default_factory=list)

    def add(self, extension: AuditExtension) -> None:
        if not any(existing.name == extension.name for existing in self.extensions):
            self.extensions.append(extension)
            self.extensions.sort(key=lambda e: e.order)

    def active(self, audit) -> list[tuple[AuditExtension, Any]]:
        """(extension, its context) for every extension with something to do for `audit`, in order."""
        active = []
        for extension in self.extensions:
            context = extension.context(audit)
            if context is not None:
                active.append((extension, context))
        return active


AUDIT_EXTENSIONS = ExtensionRegistry()
