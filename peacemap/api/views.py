"""API endpoints. So far: gazetteer suggestions for the submission forms' place fields."""

from flask import Blueprint, abort, jsonify, request

from peacemap.extensions import api_rate_limit, csrf, limiter
from peacemap.places import matching

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
limiter.shared_limit(api_rate_limit, scope="api")(bp)  # one budget for the whole API


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
