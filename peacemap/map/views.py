"""/map (page, usable without JavaScript) and its data: /api/v1/*.geojson and popups."""

from dataclasses import replace

import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from peacemap import kinds
from peacemap.directory import services as directory
from peacemap.directory.forms import validated_query
from peacemap.extensions import api_rate_limit, csrf, db, limiter
from peacemap.i18n import country_name, current_language, join_place, localized, region_name
from peacemap.map import features, listing, services
from peacemap.map.forms import MapFilterForm, map_filters
from peacemap.models import Initiative, Organisation
from peacemap.public.places import visible_places

bp = Blueprint("map", __name__, url_prefix="/<lang_code>")
api = Blueprint("map_api", __name__, url_prefix="/api/v1")
csrf.exempt(api)
limiter.shared_limit(api_rate_limit, scope="api")(api)  # one budget for the whole API
vendor = Blueprint("vendor", __name__, url_prefix="/static/vendor")

# Leaflet and its clustering plug-in, served from their pinned XStatic packages. The version
# is in the address, so browsers may keep the files for a year.
VENDOR = {
    f"leaflet-{xstatic.pkg.leaflet.VERSION.split()[0]}": xstatic.pkg.leaflet.BASE_DIR,
    f"markercluster-{xstatic.pkg.leaflet_markercluster.VERSION.split()[0]}": (
        xstatic.pkg.leaflet_markercluster.BASE_DIR
    ),
}
VENDOR_FILES = {
    "leaflet.js",
    "leaflet.css",
    "leaflet.markercluster.js",
    "MarkerCluster.css",
    "MarkerCluster.Default.css",
    "images/layers.png",
    "images/layers-2x.png",
}


@vendor.get("/<package>/<path:filename>")
def vendor_file(package, filename):
    """A file of a vendored library (only the ones the map uses)."""
    if package not in VENDOR or filename not in VENDOR_FILES:
        abort(404)
    response = send_from_directory(VENDOR[package], filename, max_age=365 * 24 * 3600)
    response.cache_control.immutable = True
    return response


def vendor_url(library, filename):
    """The address of a vendored file, e.g. vendor_url("leaflet", "leaflet.js")."""
    package = next(name for name in VENDOR if name.startswith(library + "-"))
    return url_for("vendor.vendor_file", package=package, filename=filename)


@bp.get("/map")
def page():
    """The map, and the same records as text grouped by region."""
    form = validated_query(MapFilterForm)
    filters = map_filters(form)
    version = services.data_version()
    facets = directory.organisation_facets(
        directory.OrganisationFilters(country=filters.country, region=filters.region)
    )
    themes = {theme.slug: localized(theme.labels).text for theme in directory.all_themes()}
    for name, label_of in (
        ("country", country_name),
        ("region", region_name),
        ("theme", lambda slug: themes.get(slug, slug)),
    ):
        values = sorted(
            {*facets.get(name, {}), *([form[name].data] if form[name].data else [])},
            key=lambda value: str(label_of(value)).casefold(),
        )
        form[name].choices = [SelectChoice("", _("Any"))] + [
            SelectChoice(value, label_of(value)) for value in values
        ]
    groups, page = listing.organisations(
        filters, form.page.data or 1, current_app.config["PAGE_SIZE"], version
    )
    initiative_groups, initiative_total = listing.initiatives(filters, version)
    regions, without_region = listing.mali_regions(filters, version)
    return render_template(
        "map/map.html",
        results_bounds=_results_bounds(filters, version),
        geo_args={
            name: request.args[name]
            for name in ("q", "country", "region", "theme", "type", "year")
            if request.args.get(name)
        },
        vendor_url=vendor_url,
        form=form,
        filters=filters,
        groups=groups,
        page=page,
        initiative_groups=initiative_groups,
        initiative_total=initiative_total,
        regions=regions,
        without_region=without_region,
    )


def _results_bounds(filters, version):
    """ "west,south,east,north" around the public points of the records the filters find, for
    the map to show them first; "" without filters (the map shows West Africa) or with an
    area (the map shows the area)."""
    if filters.bbox or filters == services.MapFilters():
        return ""
    found = [point for kind in services.KINDS for point in services.points(kind, filters, version)]
    box = services.bounds(found)
    return ",".join(str(value) for value in box) if box else ""


def _geojson(kind):
    """GeoJSON of the `kind` records matching the query string.

    Without `view=map`: every matching record with its name, type and link (for reuse).
    With `view=map`: ids and points only, and when the view would hold more than
    MAP_POINT_LIMIT points, groups counted on a grid at `zoom` inside `bbox` (but from
    MAP_POINTS_ZOOM on, when the view is a town, every point: many can share one place).
    """
    form = validated_query(MapFilterForm)
    filters = map_filters(form)
    version = services.data_version()
    lang = current_language()
    if form.view.data != "map":
        found = services.points(kind, filters, version)
        body = features.collection(
            features.point_features(found, _properties(kind, {p.id for p in found}, lang))
        )
        return _respond(body, version)
    if form.zoom.data is None:  # the whole layer: no viewport to fill
        found = services.points(kind, filters, version)
        return _respond(_layer(found, "all", lang), version)
    limit = current_app.config["MAP_POINT_LIMIT"]
    everywhere = services.places(kind, replace(filters, bbox=None), version)
    if sum(place[2] for place in everywhere) <= limit:
        found = services.points(kind, replace(filters, bbox=None), version)
        return _respond(_layer(found, "all", lang), version)
    in_view = services.places(kind, filters, version)
    shown = sum(place[2] for place in in_view)
    close_up = form.zoom.data >= current_app.config["MAP_POINTS_ZOOM"] and filters.bbox
    if shown <= limit or close_up:
        body = _layer(services.points(kind, filters, version), "points", lang)
    else:
        body = features.collection(
            features.grouped_features(in_view, form.zoom.data),
            peacemap={"mode": "grouped", "total": shown},
        )
    return _respond(body, version)


def _layer(found, mode, lang):
    """The map layer of `found` points: ids and points, and the names of the areas (regions,
    countries) that some points stand for, once each: [["r", "Somewhere in the Gao region"]]."""
    areas = {}
    body = features.collection(
        features.point_features(found, areas=areas), peacemap={"mode": mode, "total": len(found)}
    )
    if areas:
        body["peacemap"]["areas"] = [[area[0], area_label(area, lang)] for area in areas]
    return body


def area_label(area, lang):
    """What a point standing for an area says: "Somewhere in the Gao region" ("r", country,
    region) or "Somewhere in Mali" ("c", country)."""
    if area[0] == "r":
        return _("Somewhere in the %(region)s region", region=region_name(area[2], lang))
    return _("Somewhere in %(country)s", country=country_name(area[1], lang))


def place_label(place, lang):
    """A public place as a popup says it: "Gao, Mali", "Somewhere in the Gao region, Mali",
    "Somewhere in Mali"."""
    if place.name:
        return join_place(
            place.name,
            region_name(place.region, lang) if place.region != place.name else None,
            country_name(place.country, lang),
        )
    if place.region:
        return join_place(
            area_label(("r", place.country, place.region), lang), country_name(place.country, lang)
        )
    return area_label(("c", place.country), lang)


def _respond(body, version):
    """The GeoJSON with a validator, so a repeat visit costs a 304 rather than the data."""
    response = current_app.response_class(features.dumps(body), mimetype="application/geo+json")
    response.set_etag(services.etag(version, request.query_string, current_language()))
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def _properties(kind, ids, lang):
    """{id: properties} for the full GeoJSON: names, type, themes and the page's address."""
    rows = services.summaries(kind, ids, lang)
    endpoint = kinds.BY_NAME[kind].profile_endpoint
    # Slugs are made of [a-z0-9-]: one url_for, then the slug put in its place.
    pattern = url_for(endpoint, slug="SLUG", lang_code=lang, _external=True)
    head, tail = pattern.rsplit("SLUG", 1)
    for properties in rows.values():
        properties["url"] = head + properties.pop("slug") + tail
    return rows


@api.get("/organisations.geojson")
def organisations_geojson():
    return _geojson("organisation")


@api.get("/initiatives.geojson")
def initiatives_geojson():
    return _geojson("initiative")


@api.get("/map/<kind>/<int:record_id>")
def popup(kind, record_id):
    """What a marker's popup shows: name, type, themes, public places and a link."""
    if kind not in ("organisations", "initiatives") or record_id > 2**31:
        abort(404)
    lang = current_language()
    model = Organisation if kind == "organisations" else Initiative
    record = db.session.scalar(model.published().where(model.id == record_id))
    if record is None:
        abort(404)
    is_org = model is Organisation
    return jsonify(
        {
            "id": record.id,
            "name": record.name if is_org else localized(record.title, lang).text,
            "acronym": record.acronym if is_org else None,
            "type": str(record.type.label) if is_org else str(record.status.label),
            "themes": [localized(theme.labels, lang).text for theme in record.themes],
            "places": [place_label(place, lang) for place in visible_places(record)],
            "url": url_for(
                "directory.organisation" if is_org else "directory.initiative",
                slug=record.slug,
                lang_code=lang,
            ),
        }
    )
