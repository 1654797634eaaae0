"""The map: public points, GeoJSON layers and the /map page."""
