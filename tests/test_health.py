"""/healthz for load balancers: database and search index."""

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from peacemap.extensions import db
from peacemap.search import service


def test_healthy_when_database_and_index_answer(client, make_organisation):
    make_organisation()
    db.session.commit()
    service.rebuild()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"]["ok"] and body["search"]["ok"]
    assert response.headers["Cache-Control"] == "no-store"


def test_degraded_without_an_index(client, search_backend):
    if search_backend == "whoosh":
        body = client.get("/healthz").get_json()
    else:  # the postgres backend's table exists until dropped
        db.session.execute(text("DROP TABLE IF EXISTS search_documents"))
        db.session.commit()
        body = client.get("/healthz").get_json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] and not body["search"]["ok"]
    assert "rebuild" in body["search"]["detail"]


def test_down_is_a_503_without_details(app, client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "down" and body["database"] == {"ok": False}
    assert "refused" not in response.get_data(as_text=True)
