"""The tasks the worker process runs (Django's tasks framework, queued in the database)."""

from django.tasks import task

from handlers_admin import jobs


@task()
def run_job(job_id: int) -> None:
    jobs.process(job_id)
