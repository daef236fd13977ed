"""Background jobs a person starts and watches: recomputing a region now; imports and
exports later. A :class:`~xuefen.jobs.models.Job` row is what the person sees (status,
progress, a one-line message); the work itself runs as a task of Django's tasks API in
``manage.py db_worker`` (see :mod:`xuefen.jobs.tasks`)."""
