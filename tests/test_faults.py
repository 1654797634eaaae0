"""Nothing lost when things break: a killed worker, a killed index rebuild, a crowd."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, insert, select

from peacemap.extensions import db
from peacemap.models import AuditEvent, Organisation, Submission
from peacemap.search import service
from tests.test_deploy import ROOT, free_port, start_gunicorn, wait_for
from tests.test_multinode import post_form

WORKER = textwrap.dedent(
    """
    import os, signal, sys
    from peacemap import create_app
    from peacemap.extensions import db
    from peacemap.submissions import services

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
    with app.app_context():
        payload = {"name": "Half-saved", "type": "other", "country": "ML", "places": []}
        services.submit("new_organisation", payload, form_token=services.new_form_token(),
                        submitter={"name": "A", "consent": True})
        db.session.flush()  # the rows are written, the transaction is still open
        if sys.argv[2] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        db.session.commit()
    """
)


def database_url(app):
    return app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.mark.parametrize("ending", ["kill", "commit"])
def test_a_worker_killed_mid_submission_leaves_no_partial_rows(app, ending):
    db.session.commit()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", WORKER, database_url(app), ending],
        cwd=ROOT,
        env={**os.environ, "PEACEMAP_INSTANCE_PATH": app.instance_path},
        capture_output=True,
        timeout=60,
        check=False,
    )
    db.session.remove()
    submissions = db.session.scalar(select(func.count()).select_from(Submission))
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    if ending == "kill":
        assert result.returncode == -signal.SIGKILL
        assert (submissions, events) == (0, 0)
    else:  # the same work, allowed to finish, does save: the check above can fail
        assert result.returncode == 0, result.stderr
        assert submissions == 1 and events >= 1


@pytest.mark.parametrize("search_backend", ["whoosh"])
def test_a_killed_rebuild_leaves_the_old_index_serving(app, make_organisation):
    make_organisation(name="Ancienne Association de la Paix")
    db.session.commit()
    service.rebuild()
    rows = [
        {
            "slug": f"bulk-{n}",
            "name": f"Association {n}",
            "type": "other",
            "country": "ML",
            "summary": {"fr": "Paix et dialogue " * 20},
            "description": {},
            "alternate_names": [],
        }
        for n in range(6000)
    ]
    db.session.execute(insert(Organisation), rows)
    db.session.commit()
    root = app.instance_path + "/search"
    live = Path(root, "CURRENT").read_text()
    rebuild = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "--app", "app", "search", "rebuild"],
        cwd=ROOT,
        env={
            **os.environ,
            "PEACEMAP_INSTANCE_PATH": app.instance_path,
            "PEACEMAP_SQLALCHEMY_DATABASE_URI": database_url(app),
            "PEACEMAP_SECRET_KEY": "x",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while len(os.listdir(root)) < 3 and time.monotonic() < deadline:  # CURRENT + old + new
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(rebuild.pid, signal.SIGKILL)  # the builder and its helper processes
    rebuild.wait(timeout=10)
    assert Path(root, "CURRENT").read_text() == live
    found = service.search("ancienne association", {}, 1, 10)
    assert not found.degraded and [hit.record.name for hit in found.hits] == [
        "Ancienne Association de la Paix"
    ]
    assert service.rebuild() == 6001  # the next rebuild heals, and clears the leftovers
    assert len([name for name in os.listdir(root) if name.startswith("index-")]) == 1


def crowd(base, clients=20, each=10):
    """`clients` visitors each sending `each` organisations; returns the status codes."""

    def visitor(number):
        session = requests.Session()
        codes = []
        for item in range(each):
            response = post_form(
                session,
                f"{base}/fr/submit/organisation",
                {
                    "name": f"Groupe {number}-{item}",
                    "summary": "Un groupe de dialogue.",
                    "places": "Gao",
                    "submitter_name": "Test",
                    "consent": "y",
                },
            )
            codes.append(response.status_code)
        return codes

    with ThreadPoolExecutor(clients) as pool:
        return [code for codes in pool.map(visitor, range(clients)) for code in codes]


def test_two_hundred_submissions_at_once_are_all_saved(app, tmp_path):
    db.session.commit()
    port = free_port()
    env = {
        **os.environ,
        "PEACEMAP_INSTANCE_PATH": str(tmp_path / "crowd"),
        "PEACEMAP_SQLALCHEMY_DATABASE_URI": database_url(app),
        "PEACEMAP_SECRET_KEY": "crowd",
        "PEACEMAP_SUBMISSION_RATE_LIMIT": "10000 per minute",
    }
    server = start_gunicorn(port, env, "--workers", "4")
    try:
        wait_for(port)
        codes = crowd(f"http://127.0.0.1:{port}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(codes) == 200 and set(codes) == {200}, sorted(set(codes))
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 200
