"""The read-only JSON API under /api/v1/ (described in openapi.json)."""

from flask import Blueprint, abort, jsonify, request, url_for
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from peacemap.api import openapi
from peacemap.api.resources import (
    initiative_detail,
    initiative_summary,
    organisation_detail,
    organisation_summary,
)
from peacemap.directory import services as directory
from peacemap.directory.forms import (
    InitiativeFilterForm,
    OrganisationFilterForm,
    validated_query,
)
from peacemap.extensions import api_rate_limit, csrf, limiter
from peacemap.i18n import current_language

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.shared_limit(api_rate_limit, scope="api")(bp)  # one budget for the whole API
MAX_PER_PAGE = 100


class PerPage:
    per_page = IntegerField(
        "per_page", default=20, validators=[Optional(), NumberRange(1, MAX_PER_PAGE)]
    )


class ApiOrganisationForm(OrganisationFilterForm, PerPage):
    """The filters of /organisations, plus a page size."""


class ApiInitiativeForm(InitiativeFilterForm, PerPage):
    """The filters of /initiatives, plus a page size."""


def _json(data, last_modified=None):
    """JSON with validators: a client that has it already gets a 304."""
    response = jsonify(data)
    response.add_etag()
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


def _page_links(page, endpoint):
    def link(number):
        return url_for(endpoint, **{**request.args.to_dict(), "page": number}, _external=True)

    return {
        "self": link(page.page),
        "next": link(page.page + 1) if page.has_next else None,
        "prev": link(page.page - 1) if page.has_prev else None,
    }


def _listing(page, endpoint, items):
    return {
        "items": items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "links": _page_links(page, endpoint),
    }


@bp.get("/organisations")
def organisations():
    """Published organisations, filtered like /organisations, one page at a time."""
    form = validated_query(ApiOrganisationForm)
    page = directory.list_organisations(
        form.filters(), form.page.data or 1, form.per_page.data or 20
    )
    lang = current_language()
    items = [organisation_summary(org, lang) for org in page.items]
    newest = max((org.updated_at for org in page.items), default=None)
    return _json(_listing(page, "api.organisations", items), newest)


@bp.get("/organisations/<slug>")
def organisation(slug):
    """One published organisation with everything its profile shows."""
    org = directory.get_published_organisation(slug)
    if org is None:
        abort(404)
    detail = organisation_detail(org, directory.connections(org), current_language())
    return _json(detail, org.updated_at)


@bp.get("/initiatives")
def initiatives():
    """Published initiatives, filtered like /initiatives."""
    form = validated_query(ApiInitiativeForm)
    filters, number, size = form.filters(), form.page.data or 1, form.per_page.data or 20
    page = directory.list_initiatives(filters, number, size)
    lang = current_language()
    items = [initiative_summary(item, lang) for item in page.items]
    newest = max((item.updated_at for item in page.items), default=None)
    return _json(_listing(page, "api.initiatives", items), newest)


@bp.get("/initiatives/<slug>")
def initiative(slug):
    """One published initiative with its organisations and places."""
    item = directory.get_published_initiative(slug)
    if item is None:
        abort(404)
    return _json(initiative_detail(item, current_language()), item.updated_at)


@bp.get("/themes")
def themes():
    """The theme taxonomy with labels in every language."""
    lang = current_language()
    return _json(
        [
            {
                "slug": theme.slug,
                "label": (theme.labels or {}).get(lang) or theme.slug,
                "labels": dict(theme.labels or {}),
            }
            for theme in directory.all_themes()
        ]
    )


@bp.get("/openapi.json")
def openapi_description():
    """The OpenAPI 3.1 description of this API."""
    return _json(openapi.description())


def init_app(app):
    """CORS for reading: any site may GET the open data (the API, its exports, the map's
    layers and the type-aheads, all under /api/)."""

    @app.after_request
    def allow_cross_origin_reads(response):
        if request.path.startswith("/api/") and request.method in ("GET", "HEAD"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = (
                "ETag, Last-Modified, Link, X-RateLimit-Limit, X-RateLimit-Remaining"
            )
        return response
