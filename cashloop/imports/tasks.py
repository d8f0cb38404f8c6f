"""Background work of imports: running a queued import (decision 066)."""

from django_tasks import task

from cashloop.imports.services import import_job_execute_queued


@task()
def import_job_execute(job_id: int) -> str:
    job = import_job_execute_queued(job_id=job_id)
    return job.status if job is not None else "skipped"
