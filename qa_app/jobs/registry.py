"""The kinds of background job: each feature registers its own, once, at import time."""

from collections.abc import Callable
from dataclasses import dataclass


class JobFailed(Exception):
    """A job failed for a reason the person can act on: `message` (a sentence) and `details`
    (a list of specific problems, e.g. each bad row of an import) are shown on the job's page."""

    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []


@dataclass(frozen=True)
class JobKind:
    """`name`: a stable key stored with each job; `title`: what people see ("Excel export");
    `roles`: the roles that may start it and read their own jobs of this kind; `leads_may_view`:
    QA leads may also open other people's jobs of this kind; `run(context, params) -> dict`: the
    work (see qa_app.jobs); its result's "lines" (sentences) are shown on the job's page;
    `download_event`: the history event recorded when its file is downloaded."""

    name: str
    title: str
    roles: tuple
    run: Callable
    leads_may_view: bool = True
    download_event: str = "job.downloaded"


JOB_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    """Add a kind (registering the same name again replaces it: modules may be reloaded)."""
    JOB_KINDS[kind.name] = kind


def get(name: str) -> JobKind:
    """The kind called `name`; KeyError when no feature registered it."""
    return JOB_KINDS[name]
