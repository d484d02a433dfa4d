"""The tasks the worker process runs (Django's tasks framework, queued in the database)."""

from django.tasks import task

from handlers_admin import jobs, mirror, services


@task()
def run_job(job_id: int) -> None:
    jobs.process(job_id)


@task()
def refresh_handler(handler_id: int) -> None:
    services.refresh_handler(handler_id)


@task()
def refresh_mirror() -> None:
    mirror.refresh_in_background()
