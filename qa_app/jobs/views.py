"""A job's page (progress, then the file or the result), its status as JSON for the page's script,
the download, and the list of the user's own jobs."""

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, send_file, url_for
from flask_login import current_user, login_required

from qa_app.extensions import db
from qa_app.history.services import record
from qa_app.jobs import services
from qa_app.jobs.models import Job
from qa_app.jobs.permissions import can_view_job
from qa_app.jobs.registry import JOB_KINDS

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _load(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if not can_view_job(current_user, job):
        abort(403)
    return job


@bp.route("/")
@login_required
def index():
    jobs = db.session.scalars(sa.select(Job).where(Job.started_by_id == current_user.id)
                              .order_by(Job.id.desc()).limit(50)).all()
    return render_template("jobs/index.html", jobs=[j for j in jobs if can_view_job(current_user, j)],
                           kinds=JOB_KINDS)


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    job = _load(job_id)
    return render_template("jobs/show.html", job=job, kind=JOB_KINDS[job.kind],
                           file_missing=job.has_file and services.file_location(job) is None)


@bp.route("/<int:job_id>/status.json")
@login_required
def status(job_id: int):
    job = _load(job_id)
    return jsonify({"id": job.id, "status": job.status, "label": job.status_label, "finished": job.finished,
                    "done": job.progress_done, "total": job.progress_total, "percent": job.percent,
                    "note": job.progress_note, "page": url_for("jobs.show", job_id=job.id)})


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _load(job_id)
    path = services.file_location(job)
    if path is None:
        abort(404)
    record(current_user, JOB_KINDS[job.kind].download_event, job, kind=job.kind, file=job.file_name,
           **({"filters": job.params.get("filters")} if job.params.get("filters") else {}))
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=job.file_name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                     if (job.file_name or "").endswith(".xlsx") else None)
