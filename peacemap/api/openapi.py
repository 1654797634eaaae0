"""The OpenAPI 3.1 description of /api/v1/, served at /api/v1/openapi.json.

Written by hand, next to the code it describes (its parts in schemas.py); tests/test_api.py
checks it is a valid OpenAPI document and, with Schemathesis, that every endpoint answers as
described for generated input.
"""

from flask import url_for

from peacemap.api.schemas import (
    COUNTRY,
    ERRORS,
    LANG,
    MAP_FILTERS,
    PAGE,
    PER_PAGE,
    REGION,
    SCHEMAS,
    SECTOR,
    SORT,
    STATUS,
    THEME,
    TYPE,
    VERIFICATION,
    Q,
    error,
    ok,
    path_parameter,
    ref,
    text,
)


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
    return {**responses, "404": error("No published record has this slug.")}


def _csv(description):
    return {
        "200": {
            "description": description,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
        **ERRORS,
    }


def paths():
    organisation_filters = [Q, COUNTRY, REGION, THEME, TYPE, SECTOR, VERIFICATION, SORT, PAGE, LANG]
    initiative_filters = [Q, COUNTRY, THEME, STATUS, PAGE, LANG]
    slug = path_parameter("slug", text(120), "The record's slug.")
    return {
        "/organisations": _get(
            "Published organisations",
            [*organisation_filters, PER_PAGE],
            ok(ref("OrganisationList")),
        ),
        "/organisations/{slug}": _get(
            "One organisation", [slug, LANG], _not_found(ok(ref("Organisation")))
        ),
        "/initiatives": _get(
            "Published initiatives", [*initiative_filters, PER_PAGE], ok(ref("InitiativeList"))
        ),
        "/initiatives/{slug}": _get(
            "One initiative", [slug, LANG], _not_found(ok(ref("Initiative")))
        ),
        "/themes": _get("The theme taxonomy", [LANG], ok({"type": "array", "items": ref("Theme")})),
        "/organisations.geojson": _get(
            "Organisations as GeoJSON points",
            MAP_FILTERS,
            ok(ref("FeatureCollection"), "application/geo+json"),
        ),
        "/initiatives.geojson": _get(
            "Initiatives as GeoJSON points",
            MAP_FILTERS,
            ok(ref("FeatureCollection"), "application/geo+json"),
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
                    "content": {"application/geo+json": {"schema": ref("FeatureCollection")}},
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
                    "content": {"application/geo+json": {"schema": ref("FeatureCollection")}},
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
        "servers": [{"url": url_for("api.organisations", _external=True).rsplit("/", 1)[0]}],
        "paths": paths(),
        "components": {"schemas": SCHEMAS},
    }
