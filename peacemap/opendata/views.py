"""The read-only JSON API and the exports, under /api/v1/ (described in openapi.json)."""

import csv
import gzip
import io
import tempfile
from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    url_for,
)
from sqlalchemy import func, select
from werkzeug.wsgi import wrap_file
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from peacemap.directory import services as directory
from peacemap.directory.forms import (
    InitiativeFilterForm,
    OrganisationFilterForm,
    validated_query,
)
from peacemap.extensions import api_rate_limit, csrf, limiter
from peacemap.i18n import current_language
from peacemap.map import features
from peacemap.models import Initiative, Organisation
from peacemap.opendata import openapi
from peacemap.opendata.columns import ORGANISATION_COLUMNS, ORGANISATION_HXL
from peacemap.opendata.records import (
    INITIATIVE_COLUMNS,
    hsds_organization,
    initiative_detail,
    initiative_rows,
    initiative_summary,
    organisation_detail,
    organisation_rows,
    organisation_summary,
)

bp = Blueprint("opendata_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.shared_limit(api_rate_limit, scope="api")(bp)  # one budget for the whole API
MAX_PER_PAGE = 100
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # exports larger than this go through a temporary file


class PerPage:
    per_page = IntegerField(
        "per_page", default=20, validators=[Optional(), NumberRange(1, MAX_PER_PAGE)]
    )


class ApiOrganisationForm(OrganisationFilterForm, PerPage):
    """The filters of /organisations, plus a page size."""


class ApiInitiativeForm(InitiativeFilterForm, PerPage):
    """The filters of /initiatives, plus a page size."""


def _organisation_filters(form):
    return directory.OrganisationFilters(
        **{
            name: (form[name].data or "").strip()
            for name in ("q", "country", "region", "theme", "type", "verification")
        },
        sort=form.sort.data or "name",
    )


def _initiative_filters(form):
    return directory.InitiativeFilters(
        q=(form.q.data or "").strip(),
        country=form.country.data or "",
        theme=form.theme.data or "",
        status=form.status.data or "",
    )


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
    filters = _organisation_filters(form)
    page = directory.list_organisations(filters, form.page.data or 1, form.per_page.data or 20)
    lang = current_language()
    items = [organisation_summary(org, lang) for org in page.items]
    newest = max((org.updated_at for org in page.items), default=None)
    return _json(_listing(page, "opendata_api.organisations", items), newest)


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
    page = directory.list_initiatives(
        _initiative_filters(form), form.page.data or 1, form.per_page.data or 20
    )
    lang = current_language()
    items = [initiative_summary(item, lang) for item in page.items]
    newest = max((item.updated_at for item in page.items), default=None)
    return _json(_listing(page, "opendata_api.initiatives", items), newest)


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


# -- exports -----------------------------------------------------------------------------------
def _organisation_statement():
    form = validated_query(OrganisationFilterForm)
    filters = _organisation_filters(form)
    return (
        select(Organisation)
        .where(*directory.organisation_conditions(filters))
        .order_by(func.lower(Organisation.name), Organisation.id)
    )


def _initiative_statement():
    form = validated_query(InitiativeFilterForm)
    return (
        select(Initiative)
        .where(*directory.initiative_conditions(_initiative_filters(form)))
        .order_by(Initiative.id)
    )


def _filename(name):
    return f"peacemap-{name}-{datetime.now(UTC).date().isoformat()}"


def _file_response(write, mimetype, filename):
    """Run `write(text_file)` into a spooled temporary file (memory up to 8 MB, then disk),
    gzipped when the client accepts it, and send that file.

    Writing happens inside the request, where the database session lives; the response
    then streams the finished file, so a large export costs neither memory nor a context.
    """
    # Not a `with`: the response owns the file and closes it once it has been sent.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    packed = "gzip" in request.headers.get("Accept-Encoding", "")
    raw = gzip.GzipFile(fileobj=spool, mode="wb", compresslevel=6) if packed else spool
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    write(text)
    text.flush()
    text.detach()
    if packed:
        raw.close()
    size = spool.tell()
    spool.seek(0)
    if size <= SPOOL_IN_MEMORY:  # still in memory: send the bytes, let the file go
        with spool:
            response = Response(spool.read(), mimetype=mimetype)
    else:
        response = Response(
            wrap_file(request.environ, spool), mimetype=mimetype, direct_passthrough=True
        )
        response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Accept-Encoding")
    if packed:
        response.content_encoding = "gzip"
    return response


def _csv_response(rows, columns, name, hxl=None):
    """CSV as Excel reads it: UTF-8 with a byte order mark, CRLF line ends."""

    def write(out):
        out.write("\ufeff")
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        if hxl:
            writer.writerow(hxl)
        for row in rows:
            writer.writerow({key: excel_safe(value) for key, value in row.items()})

    return _file_response(write, "text/csv", f"{_filename(name)}.csv")


def excel_safe(value):
    """A cell that a spreadsheet will not run as a formula (OWASP "CSV injection"): text
    starting with = + - @ or a tab gets a leading apostrophe, which imports remove again."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _geojson_response(rows, name):
    """A GeoJSON FeatureCollection of export rows: points where the public may see them."""
    collection = []
    for row in rows:
        properties = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
        geometry = (
            {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}
            if row["latitude"] != ""
            else None
        )
        collection.append({"type": "Feature", "geometry": geometry, "properties": properties})
    response = current_app.response_class(
        features.dumps(features.collection(collection)), mimetype="application/geo+json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename(name)}.geojson"'
    return response


@bp.get("/exports/organisations.csv")
def export_organisations_csv():
    rows = organisation_rows(_organisation_statement(), current_language())
    return _csv_response(rows, ORGANISATION_COLUMNS, "organisations")


@bp.get("/exports/organisations.hxl.csv")
def export_organisations_hxl():
    rows = organisation_rows(_organisation_statement(), current_language())
    return _csv_response(rows, ORGANISATION_COLUMNS, "organisations-hxl", hxl=ORGANISATION_HXL)


@bp.get("/exports/organisations.geojson")
def export_organisations_geojson():
    rows = organisation_rows(_organisation_statement(), current_language())
    return _geojson_response(rows, "organisations")


@bp.get("/exports/organisations.hsds.json")
def export_organisations_hsds():
    """Open Referral HSDS 3.0 `organization` objects (one JSON array)."""
    rows = organisation_rows(_organisation_statement(), current_language())
    body = features.dumps([hsds_organization(row) for row in rows])
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename("organisations-hsds")}.json"'
    )
    return response


@bp.get("/exports/initiatives.csv")
def export_initiatives_csv():
    rows = initiative_rows(_initiative_statement(), current_language())
    return _csv_response(rows, INITIATIVE_COLUMNS, "initiatives")


@bp.get("/exports/initiatives.geojson")
def export_initiatives_geojson():
    rows = initiative_rows(_initiative_statement(), current_language())
    return _geojson_response(rows, "initiatives")


def init_app(app):
    """CORS for reading: any site may GET the open data."""

    @app.after_request
    def allow_cross_origin_reads(response):
        if request.path.startswith("/api/") and request.method in ("GET", "HEAD"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = (
                "ETag, Last-Modified, Link, X-RateLimit-Limit, X-RateLimit-Remaining"
            )
        return response
