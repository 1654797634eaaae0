"""The parts of the OpenAPI description (openapi.py): query parameters, responses and the
schemas of what the API returns, written to match peacemap/api/resources.py."""

from peacemap.models import InitiativeStatus, LocationPrecision, OrganisationType, Sector

NULLABLE_STRING = {"type": ["string", "null"]}
NO_NUL = "^[^\\u0000]*$"  # no person types U+0000: the site refuses it (400)


def text(length):
    return {"type": "string", "maxLength": length, "pattern": NO_NUL}


DATE_TIME = {"type": "string", "format": "date-time"}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name, schema, description, required=False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def path_parameter(name, schema, description):
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
Q = _query("q", text(200), "Words to look for.")
COUNTRY = _query("country", {"type": "string", "pattern": "^[A-Z]{2}$"}, "ISO 3166-1 alpha-2.")
REGION = _query("region", text(120), "First-level region (e.g. Mopti).")
THEME = _query("theme", text(60), "Theme slug (see /themes).")
TYPE = _query(
    "type",
    {"type": "string", "enum": ["", *[c.value for c in OrganisationType]]},
    "Organisation type.",
)
SECTOR = _query(
    "sector",
    {"type": "string", "enum": ["", *[c.value for c in Sector]]},
    "OCHA cluster the organisation works in (from 3W sheets).",
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


def error(description):
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


ERRORS = {
    "400": error("A parameter was refused; `detail` says which and why."),
    "429": error("Too many requests: see the Retry-After header."),
}


def ok(schema, media="application/json", description="OK"):
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
            "items": {"type": "array", "items": ref(name)},
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
        "region_pcode": {
            "type": ["string", "null"],
            "description": "The region's OCHA P-code, when it has one.",
        },
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
        "sectors": {
            "type": "array",
            "items": {"type": "string", "enum": [c.value for c in Sector]},
            "description": "OCHA clusters the organisation works in (from 3W sheets).",
        },
        "verification": {"type": "string"},
        "updated_at": DATE_TIME,
        "url": {"type": "string"},
        "api_url": {"type": "string"},
    },
}

ORGANISATION = {
    "allOf": [
        ref("OrganisationSummary"),
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
                "places": {"type": "array", "items": ref("Place")},
                "point": {
                    "type": ["object", "null"],
                    "properties": {"longitude": {"type": "number"}, "latitude": {"type": "number"}},
                },
                "identifiers": {"type": "array", "items": {"type": "string"}},
                "verification_details": {"type": "object"},
                "member_of": {"type": "array", "items": ref("Ref")},
                "members": {"type": "array", "items": ref("Ref")},
                "partners": {"type": "array", "items": ref("Ref")},
                "funders": {"type": "array", "items": ref("Ref")},
                "funds": {"type": "array", "items": ref("Ref")},
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
        ref("InitiativeSummary"),
        {
            "type": "object",
            "required": ["places", "organisations", "location_precision"],
            "properties": {
                "texts": {"type": "object"},
                "location_precision": {
                    "type": "string",
                    "enum": [c.value for c in LocationPrecision],
                },
                "places": {"type": "array", "items": ref("Place")},
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
