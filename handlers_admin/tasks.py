"""The tasks the worker process runs (Django's tasks framework, queued in the database)."""

from django.tasks import task

from handlers_admin import jobs, mirror


@task()
def run_job(job_id: int) -> None:
    jobs.process(job_id)


@task()
def refresh_mirror(handler_id: int | None = None) -> None:
    """An old copy of the account, or of one handler, brought up to date without a page waiting for it."""
    mirror.refresh_in_background(handler_id)
