"""The exports under /api/v1/exports/: every published record that a list's filters select, as
CSV, HXL, GeoJSON or HSDS, written to a spooled file and streamed."""

import csv
import gzip
import io
import tempfile
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, request
from sqlalchemy import func, select
from werkzeug.wsgi import wrap_file

from peacemap.directory import services as directory
from peacemap.directory.forms import InitiativeFilterForm, OrganisationFilterForm, validated_query
from peacemap.exports.columns import ORGANISATION_COLUMNS, ORGANISATION_HXL
from peacemap.exports.rows import (
    INITIATIVE_COLUMNS,
    hsds_organization,
    initiative_rows,
    organisation_rows,
)
from peacemap.extensions import api_rate_limit, csrf, limiter
from peacemap.i18n import current_language
from peacemap.map import features
from peacemap.models import Initiative, Organisation

bp = Blueprint("exports", __name__, url_prefix="/api/v1/exports")
csrf.exempt(bp)
limiter.shared_limit(api_rate_limit, scope="api")(bp)  # the API's budget, shared
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # exports larger than this go through a temporary file


def _organisation_statement():
    filters = validated_query(OrganisationFilterForm).filters()
    return (
        select(Organisation)
        .where(*directory.organisation_conditions(filters))
        .order_by(func.lower(Organisation.name), Organisation.id)
    )


def _initiative_statement():
    filters = validated_query(InitiativeFilterForm).filters()
    return (
        select(Initiative).where(*directory.initiative_conditions(filters)).order_by(Initiative.id)
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


@bp.get("/organisations.csv")
def organisations_csv():
    rows = organisation_rows(_organisation_statement(), current_language())
    return _csv_response(rows, ORGANISATION_COLUMNS, "organisations")


@bp.get("/organisations.hxl.csv")
def organisations_hxl():
    rows = organisation_rows(_organisation_statement(), current_language())
    return _csv_response(rows, ORGANISATION_COLUMNS, "organisations-hxl", hxl=ORGANISATION_HXL)


@bp.get("/organisations.geojson")
def organisations_geojson():
    rows = organisation_rows(_organisation_statement(), current_language())
    return _geojson_response(rows, "organisations")


@bp.get("/organisations.hsds.json")
def organisations_hsds():
    """Open Referral HSDS 3.0 `organization` objects (one JSON array)."""
    rows = organisation_rows(_organisation_statement(), current_language())
    body = features.dumps([hsds_organization(row) for row in rows])
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename("organisations-hsds")}.json"'
    )
    return response


@bp.get("/initiatives.csv")
def initiatives_csv():
    rows = initiative_rows(_initiative_statement(), current_language())
    return _csv_response(rows, INITIATIVE_COLUMNS, "initiatives")


@bp.get("/initiatives.geojson")
def initiatives_geojson():
    rows = initiative_rows(_initiative_statement(), current_language())
    return _geojson_response(rows, "initiatives")
