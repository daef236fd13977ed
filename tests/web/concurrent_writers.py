"""Several writers at once through the record services, for tests/web/test_concurrent_writes.

:func:`hammer` starts threads, each with its own database connection, that at the same
moment change different columns of one record (each from a copy read before any of them
started) and create records. It returns what went wrong: errors (e.g. "database is
locked") and lost updates (a column whose last written value did not survive).

Run as ``python -m tests.web.concurrent_writers`` with ``DATABASE_URL`` pointing at an
empty SQLite file: it migrates the file, builds the test people, hammers and prints the
outcome as JSON (SQLite's in-memory test database cannot show file locking).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import traceback
from typing import Any

ROUNDS = 6
CREATORS = 4


def _column_writers(people: Any, record: Any) -> dict[str, list[dict[str, Any]]]:
    """Per column, the successive changes one thread makes (its last one must survive)."""
    from tests.conftest import training

    return {
        "date": [{"date": dt.date(2023, 3, 1 + i)} for i in range(ROUNDS)],
        "level": [{"level": ("county", "city", "national")[i % 3]} for i in range(ROUNDS)],
        "fields": [{"fields": training(hours=10 + i)} for i in range(ROUNDS)],
    }


def hammer(people: Any) -> dict[str, Any]:
    """Run the writers against the database in use; returns errors and lost updates."""
    from django.db import close_old_connections, connection

    from tests.conftest import training
    from xuefen.records.models import Record
    from xuefen.records.services import record_create, record_update

    record = record_create(
        actor=people.root,
        teacher=people.teacher_a,
        kind="training",
        date=dt.date(2023, 2, 20),
        fields=training(),
        level="province",
    )
    writers = _column_writers(people, record)
    teachers = [people.teacher_a2, people.teacher_b, people.teacher_c, people.teacher_a]
    before = Record.objects.count()
    errors: list[str] = []
    barrier = threading.Barrier(len(writers) + CREATORS)

    def run(work: Any) -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
        finally:
            close_old_connections()
            connection.close()

    def update_column(changes: list[dict[str, Any]]) -> Any:
        stale = Record.objects.get(pk=record.pk)  # read before anyone writes

        def work() -> None:
            for change in changes:
                record_update(actor=people.root, record=stale, reason="parallel", **change)

        return work

    def create_records(teacher: Any) -> Any:
        def work() -> None:
            for i in range(ROUNDS):
                record_create(
                    actor=people.root,
                    teacher=teacher,
                    kind="training",
                    date=dt.date(2023, 4, 1 + i),
                    fields=training(hours=5 + i),
                    level="school",
                )

        return work

    jobs = [update_column(changes) for changes in writers.values()]
    jobs += [create_records(teachers[i % len(teachers)]) for i in range(CREATORS)]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    final = Record.objects.get(pk=record.pk)
    lost = []
    for column, changes in writers.items():
        expected = changes[-1][column]
        if getattr(final, column) != expected:
            lost.append(f"{column}: {getattr(final, column)!r}, last written {expected!r}")
    return {
        "errors": errors,
        "lost_updates": lost,
        "created": Record.objects.count() - before,
        "expected_created": CREATORS * ROUNDS,
        "vendor": connection.vendor,
    }


def main() -> None:
    """Migrate the database of DATABASE_URL, build the people, hammer, print JSON."""
    import django

    django.setup()
    from django.core.management import call_command

    from tests.conftest import build_people

    call_command("migrate", verbosity=0, interactive=False)
    outcome = hammer(build_people())
    print(json.dumps(outcome, ensure_ascii=False))


if __name__ == "__main__":
    main()
