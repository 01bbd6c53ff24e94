"""Background jobs: long work (large exports and imports) off the web request.

The small API another feature uses (see docs/development.md, "Background jobs"):

    from qa_app.jobs import registry, services

    # once, at import time of the feature's module (listed in qa_app/features.py):
    registry.register(registry.JobKind(
        name="exchange.export", title="Excel export", roles=(Role.QA_LEAD,), run=run_export))

    # in a view: record the job and queue it when the request commits
    job = services.start("exchange.export", actor=current_user, params={...})
    db.session.commit()                      # the job is queued only now (never for a rolled-back request)
    return redirect(url_for("jobs.show", job_id=job.id))

`run(context, params)` runs in a worker process with an app context: it reports progress with
`context.progress(done, total, note)`, writes a file to `context.output_path(".xlsx")` and names it
with `context.offer_file(path, download_name)`, and returns a small JSON-able result (shown on the
progress page). It raises `JobFailed(message, details)` for a failure the user can act on; any
other exception is logged and shown as a generic failure. The job's database changes and its
"done" status are committed together, so a failed job changes nothing.

The queue is Huey (`qa_app.jobs.queue`): a SQLite file in instance/ by default (`make run` starts
a worker beside the web server), or Redis / PostgreSQL named by JOB_QUEUE_URL, shared by any number
of workers (`flask --app wsgi jobs worker`) on any number of machines. The state a person sees
(status, progress, result, the file) lives in the app's own `jobs` table, so every web server shows it.
"""
