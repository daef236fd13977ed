"""Background recomputation through Django's tasks API (``django-tasks`` on Django 5.2).

The worker is ``python manage.py db_worker`` (``django-tasks-db``: the queue is a table, so
the embedded SQLite default and PostgreSQL both work with no extra service);
``scripts/run.sh`` starts it beside the web server. Tests run tasks immediately.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from .compute import recompute_stale


@task()
def recompute_stale_task() -> int:
    """Bring every stale teacher up to date; returns how many teachers were computed."""
    return recompute_stale()


def enqueue_recompute() -> None:
    """Queue :func:`recompute_stale_task` unless one is already waiting (one waiting task
    drains every stale teacher, however many changes marked them)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        if DBTaskResult.objects.ready().filter(task_path=recompute_stale_task.module_path).exists():
            return
    recompute_stale_task.enqueue()
