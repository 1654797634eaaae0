"""/healthz: whether this app server can reach its database and its search index.

For load balancers and monitoring: 200 when the database answers (the index may be
degraded: search then falls back to the database, so the site still works), 503 when the
database does not. The body says which part is failing, never why in detail (no traces).
"""

import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from peacemap.extensions import db

bp = Blueprint("health", __name__)


def _database():
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1")).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: database unreachable")
        return {"ok": False}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _search():
    from peacemap.search import service

    ok, detail = service.health()
    return {"ok": ok, "backend": current_app.config["SEARCH_BACKEND"], "detail": detail}


@bp.get("/healthz")
def healthz():
    database = _database()
    search = _search() if database["ok"] else {"ok": False, "detail": "database unreachable"}
    status = "ok" if database["ok"] and search["ok"] else "degraded" if database["ok"] else "down"
    response = jsonify({"status": status, "database": database, "search": search})
    response.status_code = 200 if database["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response
