"""The submission forms' type-aheads, under /api/v1/ with the read API's budget: places from
the gazetteer and listed organisations (the moderators' record forms use them too)."""

from flask import Blueprint, abort, jsonify, request

from peacemap.extensions import api_rate_limit, csrf, limiter
from peacemap.i18n import country_name, join_place
from peacemap.places import matching
from peacemap.submissions import references

bp = Blueprint("typeahead", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.shared_limit(api_rate_limit, scope="api")(bp)  # the API's budget, shared


@bp.get("/places")
def places():
    """Places whose name starts with `q` (2 to 100 characters), best first."""
    query = request.args.get("q", "")
    country = request.args.get("country", "")
    if len(query) > 100 or len(country) > 2:
        abort(400)
    found = matching.suggest(query, country.upper() or None)
    return jsonify(
        [
            {
                "geonameid": place.geonameid,
                "name": place.name,
                "label": matching.describe(place),
                "country": place.country,
                "admin1": place.admin1,
            }
            for place in found
        ]
    )


@bp.get("/organisation-names")
def organisation_names():
    """Published organisations whose name or acronym starts with `q` (2 to 100 characters),
    or only networks with `type=network`; each with the line that names it in a form."""
    query = request.args.get("q", "").strip()
    kind = request.args.get("type", "")
    if len(query) > 100 or kind not in ("", "network"):
        abort(400)
    if len(query) < 2:
        return jsonify([])
    found = references.suggest(query, networks_only=kind == "network")
    return jsonify([_suggestion(org) for org in found])


def _suggestion(org):
    name = f"{org.name} ({org.acronym})" if org.acronym else org.name
    return {
        "slug": org.slug,
        "name": org.name,
        "label": join_place(name, country_name(org.country)),
        "line": references.line_for(org),
    }
