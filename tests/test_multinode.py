"""Two app servers on one PostgreSQL and one Redis share all state: a record approved
through one is searched and shown by the other, and a rate limit hit on one counts on both."""

import os
import shutil
import subprocess

import pytest
import requests
from bs4 import BeautifulSoup

from peacemap import create_app, sealed
from peacemap.accounts.services import create_user
from peacemap.demo import loader
from peacemap.extensions import db
from peacemap.search import service
from tests.conftest import form_values
from tests.postgres import PostgresServer
from tests.test_deploy import free_port, start_gunicorn, wait_for

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
MODERATOR = ("nodes@example.org", "two servers, one truth")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not os.path.exists(REDIS):
        pytest.skip("Redis is not installed: `apt-get install redis-server`")
    postgres = PostgresServer()
    if not postgres.available:
        pytest.skip("PostgreSQL is not installed: `apt-get install postgresql`")
    postgres.start()
    tmp = tmp_path_factory.mktemp("nodes")
    database = postgres.create_database()
    settings = {
        "SECRET_KEY": "shared-secret",
        "SQLALCHEMY_DATABASE_URI": database,
        "SEARCH_BACKEND": "postgres",
        "DATA_KEY": sealed.new_key(),
        "INDEX_KEY": sealed.new_key(),
    }
    os.environ["PEACEMAP_INSTANCE_PATH"] = str(tmp / "setup")
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        loader.load(loader.read_data())
        create_user(MODERATOR[0], MODERATOR[1], "moderator")
        db.session.commit()
        service.rebuild()
        db.engine.dispose()
    redis_port = free_port()
    processes = [
        subprocess.Popen(  # noqa: S603
            [
                REDIS,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
    ]
    ports = [free_port(), free_port()]
    for number, port in enumerate(ports):
        env = {
            **os.environ,
            "PEACEMAP_INSTANCE_PATH": str(tmp / f"node{number}"),
            "PEACEMAP_SECRET_KEY": settings["SECRET_KEY"],
            "PEACEMAP_DATA_KEY": settings["DATA_KEY"],
            "PEACEMAP_INDEX_KEY": settings["INDEX_KEY"],
            "PEACEMAP_SQLALCHEMY_DATABASE_URI": database,
            "PEACEMAP_SEARCH_BACKEND": "postgres",
            "PEACEMAP_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}",
            "PEACEMAP_LOGIN_RATE_LIMIT": "4 per minute",
            "PEACEMAP_REQUIRE_TWO_FACTOR": "false",  # the moderator signs in with a password
            "PEACEMAP_WORKERS": "1",
        }
        processes.append(start_gunicorn(port, env))
    try:
        wait_for(redis_port, path=None)
        for port in ports:
            wait_for(port)
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        postgres.stop()


def post_form(session, url, changes, selector="form[method=post]"):
    page = BeautifulSoup(session.get(url, timeout=10).text, "html.parser")
    data = form_values(page, selector)
    data.update(changes)
    action = page.select_one(selector).get("action") or url
    return session.post(
        requests.compat.urljoin(url, action), data=data, timeout=10, allow_redirects=False
    )


def test_a_record_approved_on_one_server_is_found_on_the_other(cluster):
    first, second = cluster
    visitor = requests.Session()
    sent = post_form(
        visitor,
        f"{first}/en/submit/organisation",
        {
            "name": "Réseau Deux Serveurs pour la Paix",
            "summary": "Un réseau de médiateurs à Mopti.",
            "places": "Mopti",
            "submitter_name": "Awa",
            "consent": "y",
        },
    )
    assert sent.status_code == 200 and "tracking-code" in sent.text

    moderator = requests.Session()
    signed_in = post_form(
        moderator, f"{first}/en/login", {"email": MODERATOR[0], "password": MODERATOR[1]}
    )
    assert signed_in.status_code == 302
    queue = BeautifulSoup(moderator.get(f"{first}/en/moderation/", timeout=10).text, "html.parser")
    review = next(a["href"] for a in queue.select("main a") if "Deux Serveurs" in a.get_text())
    approved = post_form(moderator, f"{first}{review}", {}, selector="form[action$='/approve']")
    assert approved.status_code in (200, 302)

    found = requests.get(f"{second}/api/v1/search?q=deux+serveurs", timeout=10).json()
    assert [item["name"] for item in found["items"]] == ["Réseau Deux Serveurs pour la Paix"]
    slug = found["items"][0]["slug"]
    profile = requests.get(f"{second}/fr/organisations/{slug}", timeout=10)
    assert profile.status_code == 200 and "Deux Serveurs" in profile.text


def test_a_rate_limit_hit_on_one_server_counts_on_the_other(cluster):
    first, second = cluster
    codes = []
    for base in (first, second, first, second, first):
        attempt = post_form(
            requests.Session(), f"{base}/en/login", {"email": "x@example.org", "password": "no"}
        )
        codes.append(attempt.status_code)
    # Four attempts a minute from this address, whichever server answers (the first test
    # signed in once on the first server).
    assert codes[:3] == [400, 400, 400] and codes[-1] == 429, codes
