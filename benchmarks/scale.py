"""Stored results at scale, on PostgreSQL: recomputation, one teacher's update, pages under
load, and the worker's memory (issue 7).

Prints figures, not pass/fail. Each figure comes with a baseline measured in the same run:
recomputation with the time spent inside the engine on the same inputs (the rest is reading
and writing), pages with a bare Django view served by the same server behind the same
middleware and session (``/bench/bare/``, :mod:`scale_urls`).

It makes a throwaway database on the server (dropped at the end unless ``--keep``), migrates
it and builds a county with ``seed_demo`` (24 schools at most: the demo's schools grow with
the county, so the largest school has about 9% of its teachers). Then:

1. **full recomputation** of every teacher as the worker does it (all marked stale, then
   ``recompute_stale`` in the worker's batches) in a separate process, whose peak memory
   (``VmHWM``) is the worker's;
2. **one teacher's update**: ``record_update`` through the service, then ``recompute`` of that
   teacher with their school's summaries, on ``--updates`` different teachers;
3. **pages under load**: gunicorn as ``scripts/run.sh`` starts it (``XUEFEN_WEB_WORKERS`` 2,
   ``XUEFEN_WEB_THREADS`` 4, the ``local`` settings with debug off) on loopback, sessions
   from the real login form, ``--clients`` concurrent keep-alive clients (threads with
   ``http.client`` in a few processes) for ``--seconds`` on each page: the bare view, a
   teacher's home (each client its own teacher), the largest school's roster, the county
   and the city tables.

Run it from the repository root (PostgreSQL at ``--server``, ``trust`` or a password in the
URL)::

    PYTHONPATH=src .venv/bin/python benchmarks/scale.py                    # 20,000 teachers
    PYTHONPATH=src .venv/bin/python benchmarks/scale.py --teachers 2000    # a few minutes
    PYTHONPATH=src .venv/bin/python benchmarks/scale.py --teachers 100000 --keep
    PYTHONPATH=src .venv/bin/python benchmarks/scale.py --reuse xuefen_scale_100000

At 20,000 teachers (about 226,000 records) building the county takes most of the run (about
14 of 20–25 minutes on 2 cores); 2,000 teachers take about 3 minutes. At 100,000 expect
about five times that for ``seed_demo`` (an hour, about 5 GB of memory), about 4 GB of
database, a largest school of about 8,900 teachers, and a full recomputation more than five
times longer (each batch rebuilds its schools' summaries whole); ``--keep`` then
``--reuse NAME`` measures again without rebuilding.
docs/benchmarks.md ("Results at scale") has the figures measured so far.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS = "scale_settings"
DEMO_PASSWORD = "xuefen-demo"


# -- the database ----------------------------------------------------------------------------


def admin_sql(server: str, sql: str) -> None:
    """Run one statement on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(server: str, database: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["XUEFEN_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import django

    django.setup()


def rss_mb(key: str = "VmHWM") -> float:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident memory, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- 1. full recomputation (in a child process: its peak memory is the worker's) -----------


def child_recompute() -> None:
    """Mark every teacher stale and recompute as the worker does; print JSON figures.

    The time inside the engine is measured around each ``Policy.evaluate`` call (the same
    inputs the recomputation gives it); loading and writing are timed around compute's own
    steps, so "other" is building inputs and rows.
    """
    from django.db import connection
    from django.db.models import F

    import xuefen.results.compute as compute
    from xuefen.policy.engine import Policy
    from xuefen.records.models import Record
    from xuefen.results.models import TeacherState

    phases: dict[str, float] = {"engine": 0.0, "load": 0.0, "write": 0.0, "summaries": 0.0}

    def timed(name: str, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] += time.perf_counter() - t0

        return wrapper

    Policy.evaluate = timed("engine", Policy.evaluate)
    compute._load_batch = timed("load", compute._load_batch)
    compute._summarize = timed("summaries", compute._summarize)
    if hasattr(compute, "_write_batch"):
        compute._write_batch = timed("write", compute._write_batch)

    records = Record.objects.count()
    TeacherState.objects.update(stale=True, version=F("version") + 1)
    connection.close()
    base = rss_mb("VmRSS")
    t0 = time.perf_counter()
    teachers = compute.recompute_stale()
    took = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "teachers": teachers,
                "records": records,
                "seconds": took,
                "phases": phases,
                "batch": compute.BATCH,
                "rss_before_mb": base,
                "peak_mb": rss_mb("VmHWM"),
            }
        )
    )


def full_recompute(args: argparse.Namespace) -> dict:
    from django.db import connection

    # The same start on every run: the rows an earlier run deleted are vacuumed away and the
    # planner's statistics are current, as autovacuum would leave them on a quiet server.
    with connection.cursor() as cursor:
        for model in ("teacherresult", "teacherperiod", "schoolperiod", "teacherstate"):
            cursor.execute(f"VACUUM ANALYZE results_{model}")
    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, __file__, "--child-recompute", *_common_args(args)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _common_args(args: argparse.Namespace) -> list[str]:
    return ["--server", args.server, "--reuse", args.database, "--var-dir", args.var_dir]


# -- 2. one teacher's update -------------------------------------------------------------------


def teacher_updates(count: int) -> dict:
    """``record_update`` then ``recompute`` of that one teacher, on ``count`` teachers spread
    over the schools (the largest school first)."""
    from django.db.models import Count

    import xuefen.results.compute as compute
    from xuefen.org.choices import Role
    from xuefen.org.models import RoleAssignment, Teacher
    from xuefen.records.choices import LOCKED_STATUSES
    from xuefen.records.models import Record
    from xuefen.records.services import record_update

    admins = {
        ra.node_id: ra.user
        for ra in RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN).select_related("user")
    }
    schools = [
        row["school_id"]
        for row in Teacher.objects.values("school_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "school_id")
    ]
    # Teachers with an open (submitted) training record that has a score, round-robin over
    # the schools; the score moves by one, so the pending basis changes.
    by_school: dict[int, list[int]] = {s: [] for s in schools}
    seen: set[int] = set()
    for rec_id, teacher_id, school_id in (
        Record.objects.filter(kind="training", fields__has_key="score")
        .exclude(status__in=sorted(LOCKED_STATUSES))
        .order_by("teacher_id", "pk")
        .values_list("pk", "teacher_id", "teacher__school_id")
    ):
        if teacher_id not in seen:
            seen.add(teacher_id)
            by_school[school_id].append(rec_id)
    picks: list[int] = []
    while len(picks) <= count and any(by_school.values()):
        for school_id in schools:
            if by_school[school_id] and len(picks) <= count:
                picks.append(by_school[school_id].pop(len(by_school[school_id]) // 2))

    summaries = [0.0]
    original = compute._summarize

    def timed_summarize(*a, **kw):
        t0 = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            summaries[0] += time.perf_counter() - t0

    compute._summarize = timed_summarize
    updates, recomputes, summary_times = [], [], []
    try:
        for n, rec_id in enumerate(picks):
            record = Record.objects.select_related("teacher").get(pk=rec_id)
            score = record.fields["score"]
            fields = {**record.fields, "score": score + 1 if score % 2 == 0 else score - 1}
            t0 = time.perf_counter()
            record_update(
                actor=admins[record.teacher.school_id],
                record=record,
                fields=fields,
                reason="benchmark",
            )
            t1 = time.perf_counter()
            summaries[0] = 0.0
            compute.recompute([record.teacher_id])
            t2 = time.perf_counter()
            if n == 0:
                continue  # warm-up: the first call loads the policy and fills caches
            updates.append((t1 - t0) * 1000)
            recomputes.append((t2 - t1) * 1000)
            summary_times.append(summaries[0] * 1000)
    finally:
        compute._summarize = original
    return {
        "tries": len(updates),
        "update": updates,
        "recompute": recomputes,
        "summaries": summary_times,
    }


# -- 3. pages under load ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    log = open(Path(args.var_dir) / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "xuefen.web.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            os.environ.get("XUEFEN_WEB_WORKERS", "2"),
            "--threads",
            os.environ.get("XUEFEN_WEB_THREADS", "4"),
            "--timeout",
            "60",
            "--no-control-socket",
            "--error-logfile",
            "-",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn stopped; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def worker_peaks(proc: subprocess.Popen) -> list[float]:
    """Peak memory (``VmHWM``, MB) of gunicorn's worker processes."""
    peaks = []
    for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def login(port: int, username: str) -> str:
    """Log in through the form as a browser would; returns the Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/login/")
    response = conn.getresponse()
    body = response.read().decode()
    jar = _cookies(response)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token, "next": ""}
    )
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    jar.update(_cookies(response))
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login of {username} failed: HTTP {response.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def _client(port, path, cookie, stop_at, limit, latencies, errors, counter, lock) -> None:
    """One keep-alive client: request, read the whole answer, again, until told to stop."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Cookie": cookie, "Accept": "text/html"}
    while time.perf_counter() < stop_at:
        with lock:
            if counter[0] >= limit:
                return
            counter[0] += 1
        t0 = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (http.client.HTTPException, OSError):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            errors.append("connection")
            continue
        latencies.append(time.perf_counter() - t0)
        if status != 200:
            errors.append(status)
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.close()


def load(
    port: int,
    path: str | list[str],
    cookies: list[str],
    *,
    seconds: float,
    limit: int,
    processes: int,
    warmup: float,
) -> dict:
    """``len(cookies)`` concurrent clients on ``path`` for ``seconds`` (at most ``limit``
    requests); a short warm-up first (not counted)."""
    paths = path if isinstance(path, list) else [path] * len(cookies)
    shares: list[list] = [[] for _ in range(processes)]
    for i, pair in enumerate(zip(paths, cookies, strict=True)):
        shares[i % processes].append(pair)
    ctx = multiprocessing.get_context("fork")
    results = []
    with ctx.Pool(processes) as pool:
        for run_seconds, run_limit in ((warmup, limit), (seconds, limit)):
            start_at = time.time() + 0.5
            jobs = [
                pool.apply_async(
                    _drive_many,
                    (port, share, run_seconds, run_limit // processes + 1, start_at),
                )
                for share in shares
                if share
            ]
            results = [j.get(timeout=run_seconds + 600) for j in jobs]
    latencies = sorted(x for lat, _e, _t in results for x in lat)
    errors = [e for _l, errs, _t in results for e in errs]
    wall = max(t for _l, _e, t in results)
    return {
        "n": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted({str(e) for e in errors})[:5],
        "rps": len(latencies) / wall if wall else 0.0,
        "p50": percentile(latencies, 50) * 1000,
        "p95": percentile(latencies, 95) * 1000,
        "p99": percentile(latencies, 99) * 1000,
    }


def _drive_many(port, share, seconds, limit, start_at):
    """Clients with different paths (each teacher their own home) in one process."""
    time.sleep(max(0.0, start_at - time.time()))
    latencies: list[float] = []
    errors: list = []
    counter, lock = [0], threading.Lock()
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    threads = [
        threading.Thread(
            target=_client,
            args=(port, p, c, stop_at, limit, latencies, errors, counter, lock),
        )
        for p, c in share
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - t0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def pages(args: argparse.Namespace) -> tuple[list[tuple[str, dict]], list[float], dict]:
    from django.db import connections
    from django.db.models import Count

    from xuefen.org.choices import NodeKind, Role
    from xuefen.org.models import OrgNode, RoleAssignment, Teacher

    largest = (
        Teacher.objects.filter(active=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "school_id")
        .first()
    )
    school = OrgNode.objects.get(pk=largest["school_id"])
    school_admin = (
        RoleAssignment.objects.filter(role=Role.SCHOOL_ADMIN, node=school).first().user.username
    )
    county = school.ancestors().get(kind=NodeKind.COUNTY)
    county_admin = (
        RoleAssignment.objects.filter(role=Role.COUNTY_ADMIN, node=county).first().user.username
    )
    city = OrgNode.objects.get(kind=NodeKind.CITY)
    county_schools = OrgNode.objects.filter(
        kind=NodeKind.SCHOOL, path__startswith=county.path
    ).count()
    city_schools = OrgNode.objects.filter(kind=NodeKind.SCHOOL).count()
    teachers = list(
        Teacher.objects.filter(active=True, user__isnull=False)
        .order_by("pk")
        .values_list("user__username", flat=True)
    )
    step = max(1, len(teachers) // args.clients)
    chosen = teachers[::step][: args.clients]
    info = {
        "school": f"{largest['n']} teachers",
        "county": f"{county_schools} schools",
        "city": f"{city_schools} schools",
    }
    connections.close_all()  # nothing of the parent's connection goes into forked clients

    port = free_port()
    server = start_server(args, port)
    try:
        cookies = [login(port, u) for u in chosen]
        admin_cookies = {u: login(port, u) for u in (school_admin, county_admin, "city_admin")}
        n = args.clients
        plan = [
            ("bare view (same middleware, session)", "/bench/bare/", cookies),
            ("teacher home (each client its own)", ["/me/"] * n, cookies),
            (
                f"largest school's roster ({info['school']})",
                f"/schools/{school.pk}/",
                [admin_cookies[school_admin]] * n,
            ),
            (
                f"county table ({info['county']})",
                f"/regions/{county.pk}/",
                [admin_cookies[county_admin]] * n,
            ),
            (
                f"city table ({info['city']})",
                f"/regions/{city.pk}/",
                [admin_cookies["city_admin"]] * n,
            ),
        ]
        out = []
        for label, path, jar in plan:
            figures = load(
                port,
                path,
                jar,
                seconds=args.seconds,
                limit=args.max_requests,
                processes=args.driver_processes,
                warmup=min(3.0, args.seconds / 5),
            )
            out.append((label, figures))
            print(f"  {label}: {_fmt_load(figures)}", flush=True)
        peaks = worker_peaks(server)
    finally:
        stop_server(server)
    return out, peaks, info


def _fmt_load(f: dict) -> str:
    errors = f" ({f['errors']} errors: {', '.join(f['error_kinds'])})" if f["errors"] else ""
    return (
        f"{f['n']:>6} requests, {f['rps']:7.1f} req/s, "
        f"p50 {f['p50']:7.1f} ms, p95 {f['p95']:7.1f} ms, p99 {f['p99']:7.1f} ms{errors}"
    )


# -- the run -----------------------------------------------------------------------------------


def database_sizes() -> dict[str, float]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        total = cur.fetchone()[0]
        sizes = {"database": total / 2**20}
        for table in ("results_teacherresult", "results_teacherperiod", "records_record"):
            cur.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = cur.fetchone()[0] / 2**20
    return sizes


def ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    return f"p50 {percentile(ordered, 50):6.1f} ms, p95 {percentile(ordered, 95):6.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teachers", type=int, default=20000)
    parser.add_argument("--schools", type=int, default=24, help="2–24 (the demo's schools)")
    parser.add_argument(
        "--server",
        default=os.environ.get("XUEFEN_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--database", default=None, help="default: xuefen_scale_<teachers>")
    parser.add_argument("--reuse", metavar="DATABASE", help="measure an existing county")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--updates", type=int, default=50)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0, help="per page")
    parser.add_argument("--max-requests", type=int, default=20000, help="per page")
    parser.add_argument("--driver-processes", type=int, default=2)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        nargs="+",
        default=[0, 60],
        help="DATABASE_CONN_MAX_AGE values to serve the pages with (default: 0, a connection "
        "per request, and 60, the settings' default)",
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=["recompute", "updates", "pages"])
    parser.add_argument("--var-dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-recompute", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.server = args.server.rstrip("/")

    if args.child_recompute:
        setup_django(args.server, args.reuse, args.var_dir)
        child_recompute()
        return 0

    scratch = tempfile.TemporaryDirectory(prefix="xuefen-scale-")
    args.var_dir = args.var_dir or scratch.name
    created = args.reuse is None
    args.database = args.reuse or args.database or f"xuefen_scale_{args.teachers}"
    if created:
        admin_sql(args.server, f'DROP DATABASE IF EXISTS "{args.database}"')
        admin_sql(args.server, f'CREATE DATABASE "{args.database}"')
    try:
        return run(args, created)
    finally:
        from django.db import connections

        connections.close_all()
        if created and not args.keep:
            admin_sql(args.server, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        scratch.cleanup()


def run(args: argparse.Namespace, created: bool) -> int:
    setup_django(args.server, args.database, args.var_dir)
    from django.core.management import call_command

    from xuefen.records.models import Record
    from xuefen.results.compute import BATCH

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, PostgreSQL database "
        f"{args.database}, gunicorn {os.environ.get('XUEFEN_WEB_WORKERS', '2')} workers × "
        f"{os.environ.get('XUEFEN_WEB_THREADS', '4')} threads",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    if created:
        t0 = time.perf_counter()
        call_command(
            "seed_demo",
            teachers=args.teachers,
            schools=args.schools,
            verbosity=0,
            stdout=io.StringIO(),
        )
        print(
            f"seed_demo --teachers {args.teachers} --schools {args.schools}: "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
    records = Record.objects.count()
    from xuefen.org.models import Teacher

    teachers = Teacher.objects.count()
    print(
        f"county: {teachers:,} teachers, {records:,} records "
        f"({records / max(teachers, 1):.1f} per teacher)",
        flush=True,
    )

    if "recompute" not in args.skip:
        r = full_recompute(args)
        ph = r["phases"]
        ph["write"] -= ph["summaries"]  # the summaries are rebuilt inside the write
        other = r["seconds"] - sum(ph.values())
        print(
            f"full recomputation (batches of {BATCH}, one process): {r['seconds']:.1f} s = "
            f"{r['records'] / r['seconds']:,.0f} records/s, {r['teachers'] / r['seconds']:,.0f} "
            f"teachers/s; engine alone {ph['engine']:.1f} s "
            f"(total {r['seconds'] / ph['engine']:.2f}× the engine); load {ph['load']:.1f} s, "
            f"write {ph['write']:.1f} s, school summaries {ph['summaries']:.1f} s, "
            f"inputs and rows {other:.1f} s",
            flush=True,
        )
        print(
            f"worker peak memory: {r['peak_mb']:.0f} MB (after Django set-up: "
            f"{r['rss_before_mb']:.0f} MB)",
            flush=True,
        )
        sizes = database_sizes()
        print("database: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in sizes.items()), flush=True)

    if "updates" not in args.skip:
        u = teacher_updates(args.updates)
        total = [a + b for a, b in zip(u["update"], u["recompute"], strict=True)]
        print(
            f"one teacher's update ({u['tries']} teachers): record_update {ms(u['update'])}; "
            f"recompute with summaries {ms(u['recompute'])} (of which summaries "
            f"{ms(u['summaries'])}); both {ms(total)}",
            flush=True,
        )

    if "pages" not in args.skip:
        call_command("collectstatic", interactive=False, verbosity=0)
        for age in dict.fromkeys(args.conn_max_age):
            # 0 opens a new connection for every request; 60 (the settings' default) keeps
            # one per worker thread.
            os.environ["DATABASE_CONN_MAX_AGE"] = str(age)
            print(
                f"pages, {args.clients} concurrent clients, {args.seconds:.0f} s each, "
                f"DATABASE_CONN_MAX_AGE={age}:",
                flush=True,
            )
            out, peaks, _info = pages(args)
            bare = out[0][1]
            for label, f in out[1:]:
                print(
                    f"  {label}: ÷ bare view p50 {f['p50'] / bare['p50']:5.1f}×, "
                    f"p95 {f['p95'] / bare['p95']:5.1f}×, req/s {bare['rps'] / f['rps']:5.1f}×"
                )
            print("  gunicorn workers' peak memory: " + ", ".join(f"{p:.0f} MB" for p in peaks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
