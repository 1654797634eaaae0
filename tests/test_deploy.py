"""The documented deployment, run for real on loopback: gunicorn with the repository's
settings behind nginx with its proxy settings. Slow clients must not starve the workers."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from peacemap import create_app, sealed
from peacemap.demo import loader
from peacemap.extensions import db

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "peacemap" / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_CLIENTS = 200


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port, timeout=60, path="/healthz"):
    """Until the server on `port` answers `path` (a listening socket is not enough: gunicorn
    listens before its workers have loaded the application). Redis only needs the socket."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if path is None:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5):  # noqa: S310
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on {port}")


def start_gunicorn(port, env, *options):
    """gunicorn with the repository's settings (peacemap/deploy/gunicorn.conf.py) on
    `port`, for tests that need the real server; the caller waits for it and stops it."""
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(DEPLOY / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            *options,
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn (2 sync workers, the repository's settings) and nginx in front of it."""
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed: `apt-get install nginx-light`")
    tmp = tmp_path_factory.mktemp("deploy")
    database = f"sqlite:///{tmp / 'site.sqlite'}"
    env = {
        **os.environ,
        "PEACEMAP_INSTANCE_PATH": str(tmp / "instance"),
        "PEACEMAP_SQLALCHEMY_DATABASE_URI": database,
        "PEACEMAP_SECRET_KEY": "deploy-test",
        "PEACEMAP_TRUSTED_PROXIES": "1",
        "PEACEMAP_WORKERS": "2",
        "PEACEMAP_DATA_KEY": sealed.new_key(),
        "PEACEMAP_INDEX_KEY": sealed.new_key(),
    }
    keys = {"DATA_KEY": env["PEACEMAP_DATA_KEY"], "INDEX_KEY": env["PEACEMAP_INDEX_KEY"]}
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "x", **keys})
    with app.app_context():
        db.create_all()
        loader.load(loader.read_data())
        db.session.commit()
        db.engine.dispose()
    app_port, proxy_port = free_port(), free_port()
    gunicorn = start_gunicorn(app_port, env)
    config = tmp / "nginx.conf"
    temp = tmp / "nginx-temp"
    temp.mkdir()
    config.write_text(
        f"""
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    include {DEPLOY / "nginx-log.conf"};
    access_log {tmp}/access.log peacemap;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    client_header_timeout 30s;
    upstream peacemap {{ server 127.0.0.1:{app_port}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{proxy_port};
        location / {{ include {DEPLOY / "nginx-proxy.conf"}; }}
    }}
}}
"""
    )
    nginx = subprocess.Popen(  # noqa: S603
        [NGINX, "-c", str(config), "-p", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(app_port)
        wait_for(proxy_port)
        yield {"app": app_port, "proxy": proxy_port, "access_log": tmp / "access.log"}
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def slow_clients(port, count):
    """`count` connections that send half a request and then dribble headers."""
    sockets = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(b"GET /fr/ HTTP/1.1\r\nHost: localhost\r\n")
        sockets.append(connection)
    return sockets


def answered(port, path="/fr/", timeout=10.0):
    """Whether a whole page comes back before `timeout` seconds: a wait for an answer that is
    either on its way or stuck, never a measure of speed."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as page:  # noqa: S310
            page.read()
            return page.status == 200
    except OSError:
        return False


def test_slow_clients_do_not_stall_the_site_behind_nginx(site):
    assert answered(site["proxy"])
    sockets = slow_clients(site["proxy"], SLOW_CLIENTS)
    try:
        answers = []
        for _ in range(10):
            for connection in sockets[:50]:  # keep some of them dribbling
                connection.sendall(b"X-Slow: 1\r\n")
            answers.append(answered(site["proxy"]))
        assert all(answers), answers
    finally:
        for connection in sockets:
            connection.close()


def test_without_nginx_two_slow_clients_are_enough_to_stall_gunicorn(site):
    """The reason for nginx: shown, so that the test above could fail. Gunicorn's sync workers
    wait on the slow clients' headers, so the page does not come while they hold them, and
    comes once they let go."""
    assert answered(site["app"])
    sockets = slow_clients(site["app"], 2)
    try:
        assert not answered(site["app"], timeout=5.0)
    finally:
        for connection in sockets:
            connection.close()
    assert answered(site["app"])


def test_healthz_through_the_proxy(site):
    with urllib.request.urlopen(f"http://127.0.0.1:{site['proxy']}/healthz", timeout=5) as answer:  # noqa: S310
        assert answer.status == 200
        assert b'"database"' in answer.read()


OWNER_TOKEN = "Zk3q9S8v-SECRET-token_made_for_the_log_test_0123456789"


def test_nginx_logs_no_owner_token_search_query_or_full_address(site):
    paths = (
        f"/fr/owner/{OWNER_TOKEN}",
        f"/en/owner/{OWNER_TOKEN}?x=1",
        "/fr/owner",
        "/fr/search?q=SECRET+Mopti",
        "/api/v1/organisations.geojson?bbox=-4.2,14.4,-4.1,14.5&q=SECRET",
        "/fr/organisations?country=ML",
    )
    for path in paths:
        with contextlib.suppress(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{site['proxy']}{path}", timeout=10)  # noqa: S310
    deadline = time.monotonic() + 5
    log = ""
    while time.monotonic() < deadline and "country=ML" not in log:
        log = site["access_log"].read_text() if site["access_log"].exists() else ""
        time.sleep(0.1)
    assert "GET /fr/owner/<token> " in log and "GET /en/owner/<token>?x=1 " in log
    assert "GET /fr/search " in log and "GET /api/v1/organisations.geojson " in log
    assert "GET /fr/owner " in log  # control: a page without a token is logged as it is
    assert "GET /fr/organisations?country=ML " in log  # control: other queries are kept
    assert "SECRET" not in log
    assert "127.0.0.0 - [" in log and "127.0.0.1 " not in log  # the client's network only


def test_gunicorn_logs_no_owner_token_search_query_or_full_address(tmp_path):
    port = free_port()
    log = tmp_path / "gunicorn-access.log"
    env = {
        **os.environ,
        "PEACEMAP_INSTANCE_PATH": str(tmp_path / "instance"),
        "PEACEMAP_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.sqlite'}",
        "PEACEMAP_SECRET_KEY": "deploy-test",
        "PEACEMAP_WORKERS": "1",
    }
    gunicorn = start_gunicorn(port, env, "--access-logfile", str(log))
    try:
        wait_for(port)
        for path in (
            f"/fr/owner/{OWNER_TOKEN}",
            "/fr/owner/confirm",
            "/fr/owner",
            "/fr/map?bbox=SECRET",
            "/fr/organisations?page=2",
        ):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"Referer": f"https://peacemap.example.org/ar/owner/{OWNER_TOKEN}"},
            )
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(request, timeout=10)  # noqa: S310
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=10)
    text = log.read_text()
    assert "GET /fr/owner/<token> " in text and "/ar/owner/<token>" in text
    assert "/fr/owner/confirm " in text and "GET /fr/owner " in text  # controls
    assert "GET /fr/map " in text and "GET /fr/organisations?page=2 " in text
    assert "SECRET" not in text
    assert text.startswith("127.0.0.0 ") and "127.0.0.1 " not in text
