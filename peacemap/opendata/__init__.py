"""Open data: the read API, exports (CSV, HXL, GeoJSON, HSDS), imports, OpenAPI."""
