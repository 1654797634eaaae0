"""The OpenAPI 3.1 description of /api/v1/, served at /api/v1/openapi.json.

Written by hand, next to the code it describes; tests/test_api.py checks it is a valid
OpenAPI document and, with Schemathesis, that every endpoint answers as described for
generated input.
"""

from flask import url_for

from peacemap.models import InitiativeStatus, LocationPrecision, OrganisationType

NULLABLE_STRING = {"type": ["string", "null"]}
NO_NUL = "^[^\\u0000]*$"  # no person types U+0000: the site refuses it (400)


def _text(length):
    return {"type": "string", "maxLength": length, "pattern": NO_NUL}


DATE_TIME = {"type": "string", "format": "date-time"}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name, schema, description, required=False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _path(name, schema, description):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": schema,
        "description": description,
    }


LANG = _query(
    "lang", {"type": "string", "enum": ["fr", "en", "ar"]}, "Language of texts and links."
)
PAGE = _query("page", {"type": "integer", "minimum": 1, "maximum": 10000}, "Page number.")
PER_PAGE = _query(
    "per_page", {"type": "integer", "minimum": 1, "maximum": 100}, "Results per page."
)
Q = _query("q", _text(200), "Words to look for.")
COUNTRY = _query("country", {"type": "string", "pattern": "^[A-Z]{2}$"}, "ISO 3166-1 alpha-2.")
REGION = _query("region", _text(120), "First-level region (e.g. Mopti).")
THEME = _query("theme", _text(60), "Theme slug (see /themes).")
TYPE = _query(
    "type",
    {"type": "string", "enum": ["", *[c.value for c in OrganisationType]]},
    "Organisation type.",
)
VERIFICATION = _query(
    "verification", {"type": "string", "enum": ["", "verified", "unverified"]}, "Verification."
)
SORT = _query("sort", {"type": "string", "enum": ["name", "updated"]}, "Order of results.")
STATUS = _query(
    "status",
    {"type": "string", "enum": ["", *[c.value for c in InitiativeStatus]]},
    "Initiative status.",
)
LON = r"-?(180(\.0+)?|(1[0-7]\d|\d{1,2})(\.\d+)?)"  # -180 to 180
LAT = r"-?(90(\.0+)?|[0-8]?\d(\.\d+)?)"  # -90 to 90
MAP_FILTERS = [
    Q,
    COUNTRY,
    REGION,
    THEME,
    TYPE,
    _query(
        "year",
        {"type": "integer", "minimum": 1900, "maximum": 2100},
        "Initiatives running that year.",
    ),
    _query(
        "bbox",
        {"type": "string", "pattern": f"^{LON},{LAT},{LON},{LAT}$", "maxLength": 100},
        "west,south,east,north in degrees (west > east crosses the antimeridian); only the "
        "public points of records inside it.",
    ),
    _query("zoom", {"type": "integer", "minimum": 0, "maximum": 20}, "Map zoom (view=map)."),
    _query("view", {"type": "string", "enum": ["", "map"]}, "`map`: ids and points only."),
    LANG,
]


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


ERRORS = {
    "400": _error("A parameter was refused; `detail` says which and why."),
    "429": _error("Too many requests: see the Retry-After header."),
}


def _ok(schema, media="application/json", description="OK"):
    return {
        "200": {"description": description, "content": {media: {"schema": schema}}},
        "304": {"description": "Not modified (If-None-Match or If-Modified-Since)."},
        **ERRORS,
    }


def _list_of(name):
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page", "pages", "links"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "links": {
                "type": "object",
                "required": ["self", "next", "prev"],
                "properties": {
                    "self": {"type": "string"},
                    "next": NULLABLE_STRING,
                    "prev": NULLABLE_STRING,
                },
            },
        },
    }


PLACE = {
    "type": "object",
    "required": ["name", "region", "country", "latitude", "longitude"],
    "description": "A place as precisely as the record's owner agreed to show it.",
    "properties": {
        "name": NULLABLE_STRING,
        "region": NULLABLE_STRING,
        "country": {"type": "string"},
        "latitude": {"type": ["number", "null"]},
        "longitude": {"type": ["number", "null"]},
    },
}

REF = {
    "type": "object",
    "required": ["slug", "name"],
    "properties": {"slug": {"type": "string"}, "name": {"type": "string"}},
}

ORGANISATION_SUMMARY = {
    "type": "object",
    "required": [
        "slug",
        "name",
        "type",
        "country",
        "themes",
        "verification",
        "updated_at",
        "url",
        "api_url",
    ],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "acronym": NULLABLE_STRING,
        "type": {"type": "string", "enum": [c.value for c in OrganisationType]},
        "country": {"type": "string"},
        "summary": NULLABLE_STRING,
        "themes": {"type": "array", "items": {"type": "string"}},
        "verification": {"type": "string"},
        "updated_at": DATE_TIME,
        "url": {"type": "string"},
        "api_url": {"type": "string"},
    },
}

ORGANISATION = {
    "allOf": [
        _ref("OrganisationSummary"),
        {
            "type": "object",
            "required": ["alternate_names", "places", "location_precision", "member_of", "members"],
            "properties": {
                "alternate_names": {"type": "array", "items": {"type": "string"}},
                "texts": {"type": "object"},
                "description": NULLABLE_STRING,
                "founded_year": {"type": ["integer", "null"]},
                "website": NULLABLE_STRING,
                "email": {
                    **NULLABLE_STRING,
                    "description": "Only when the organisation made it public.",
                },
                "phone": {
                    **NULLABLE_STRING,
                    "description": "Only when the organisation made it public.",
                },
                "location_precision": {
                    "type": "string",
                    "enum": [c.value for c in LocationPrecision],
                },
                "places": {"type": "array", "items": _ref("Place")},
                "point": {
                    "type": ["object", "null"],
                    "properties": {"longitude": {"type": "number"}, "latitude": {"type": "number"}},
                },
                "identifiers": {"type": "array", "items": {"type": "string"}},
                "verification_details": {"type": "object"},
                "member_of": {"type": "array", "items": _ref("Ref")},
                "members": {"type": "array", "items": _ref("Ref")},
                "partners": {"type": "array", "items": _ref("Ref")},
                "funders": {"type": "array", "items": _ref("Ref")},
                "funds": {"type": "array", "items": _ref("Ref")},
                "initiatives": {"type": "array", "items": {"type": "object"}},
                "created_at": DATE_TIME,
            },
        },
    ]
}

INITIATIVE_SUMMARY = {
    "type": "object",
    "required": ["slug", "title", "status", "themes", "updated_at", "url", "api_url"],
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "summary": NULLABLE_STRING,
        "status": {"type": "string", "enum": [c.value for c in InitiativeStatus]},
        "start_date": {"type": ["string", "null"], "format": "date"},
        "end_date": {"type": ["string", "null"], "format": "date"},
        "themes": {"type": "array", "items": {"type": "string"}},
        "updated_at": DATE_TIME,
        "url": {"type": "string"},
        "api_url": {"type": "string"},
    },
}

INITIATIVE = {
    "allOf": [
        _ref("InitiativeSummary"),
        {
            "type": "object",
            "required": ["places", "organisations", "location_precision"],
            "properties": {
                "texts": {"type": "object"},
                "location_precision": {
                    "type": "string",
                    "enum": [c.value for c in LocationPrecision],
                },
                "places": {"type": "array", "items": _ref("Place")},
                "organisations": {"type": "array", "items": {"type": "object"}},
            },
        },
    ]
}

FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "description": "RFC 7946 GeoJSON; points only as precise as each owner agreed to.",
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {"type": ["object", "null"]},
                    "properties": {"type": ["object", "null"]},
                },
            },
        },
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "message": {"type": "string"},
                    "detail": {"type": "string"},
                },
            }
        },
    },
    "Place": PLACE,
    "Ref": REF,
    "OrganisationSummary": ORGANISATION_SUMMARY,
    "Organisation": ORGANISATION,
    "OrganisationList": _list_of("OrganisationSummary"),
    "InitiativeSummary": INITIATIVE_SUMMARY,
    "Initiative": INITIATIVE,
    "InitiativeList": _list_of("InitiativeSummary"),
    "Theme": {
        "type": "object",
        "required": ["slug", "label", "labels"],
        "properties": {
            "slug": {"type": "string"},
            "label": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "FeatureCollection": FEATURE_COLLECTION,
}


def _get(summary, parameters, responses, description=""):
    return {
        "get": {
            "summary": summary,
            "description": description,
            "parameters": parameters,
            "responses": responses,
        }
    }


def _not_found(responses):
    return {**responses, "404": _error("No published record has this slug.")}


def _csv(description):
    return {
        "200": {
            "description": description,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **ERRORS,
    }


def paths():
    organisation_filters = [Q, COUNTRY, REGION, THEME, TYPE, VERIFICATION, SORT, PAGE, LANG]
    initiative_filters = [Q, COUNTRY, THEME, STATUS, PAGE, LANG]
    slug = _path("slug", _text(120), "The record's slug.")
    return {
        "/organisations": _get(
            "Published organisations",
            [*organisation_filters, PER_PAGE],
            _ok(_ref("OrganisationList")),
        ),
        "/organisations/{slug}": _get(
            "One organisation", [slug, LANG], _not_found(_ok(_ref("Organisation")))
        ),
        "/initiatives": _get(
            "Published initiatives", [*initiative_filters, PER_PAGE], _ok(_ref("InitiativeList"))
        ),
        "/initiatives/{slug}": _get(
            "One initiative", [slug, LANG], _not_found(_ok(_ref("Initiative")))
        ),
        "/themes": _get(
            "The theme taxonomy", [LANG], _ok({"type": "array", "items": _ref("Theme")})
        ),
        "/organisations.geojson": _get(
            "Organisations as GeoJSON points",
            MAP_FILTERS,
            _ok(_ref("FeatureCollection"), "application/geo+json"),
        ),
        "/initiatives.geojson": _get(
            "Initiatives as GeoJSON points",
            MAP_FILTERS,
            _ok(_ref("FeatureCollection"), "application/geo+json"),
        ),
        "/exports/organisations.csv": _get(
            "Organisations as CSV (UTF-8, Excel)", organisation_filters, _csv("CSV file")
        ),
        "/exports/organisations.hxl.csv": _get(
            "Organisations as HXL-tagged CSV", organisation_filters, _csv("CSV with HXL tags")
        ),
        "/exports/organisations.geojson": _get(
            "Organisations as GeoJSON with every public column",
            organisation_filters,
            {
                "200": {
                    "description": "GeoJSON",
                    "content": {"application/geo+json": {"schema": _ref("FeatureCollection")}},
                },
                **ERRORS,
            },
        ),
        "/exports/organisations.hsds.json": _get(
            "Organisations as Open Referral HSDS 3.0 organization objects",
            organisation_filters,
            {
                "200": {
                    "description": "HSDS",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["id", "name", "description"],
                                },
                            }
                        }
                    },
                },
                **ERRORS,
            },
        ),
        "/exports/initiatives.csv": _get(
            "Initiatives as CSV", initiative_filters, _csv("CSV file")
        ),
        "/exports/initiatives.geojson": _get(
            "Initiatives as GeoJSON",
            initiative_filters,
            {
                "200": {
                    "description": "GeoJSON",
                    "content": {"application/geo+json": {"schema": _ref("FeatureCollection")}},
                },
                **ERRORS,
            },
        ),
    }


def description():
    """The OpenAPI document, with the server address of this request."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PeaceMap open data API",
            "version": "1.0.0",
            "description": (
                "Read-only data on published peacebuilding organisations and initiatives. "
                "Every response shows only what each record's owner agreed to make public. "
                "Responses carry ETag and Last-Modified; any site may read them (CORS)."
            ),
            "license": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
        },
        "servers": [
            {"url": url_for("opendata_api.organisations", _external=True).rsplit("/", 1)[0]}
        ],
        "paths": paths(),
        "components": {"schemas": SCHEMAS},
    }
