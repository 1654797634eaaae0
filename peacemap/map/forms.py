"""The map's filters, shared by the page and the GeoJSON endpoints (GET, no CSRF)."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from peacemap.directory.forms import (
    ListForm,
    country_field,
    region_field,
    theme_field,
    type_field,
)

MAX_ZOOM = 20


def parse_bbox(text):
    """(west, south, east, north) from "w,s,e,n", or None; ValueError when malformed.

    West may be greater than east (a box across the antimeridian, as RFC 7946 allows);
    south and north may come in either order.
    """
    if not text:
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError
    west, south, east, north = (float(part) for part in parts)
    if not (
        -180 <= west <= 180
        and -180 <= east <= 180
        and min(south, north) >= -90
        and max(south, north) <= 90
    ):
        raise ValueError  # NaN fails every comparison and lands here too
    return west, min(south, north), east, max(south, north)


class MapFilterForm(ListForm):
    """Filters of /map and of /api/v1/*.geojson: those of search, a year and an area."""

    country = country_field()
    region = region_field()
    theme = theme_field()
    type = type_field()
    year = IntegerField(
        _l("Initiatives running in"),
        validators=[Optional(), NumberRange(min=1900, max=2100)],
    )
    bbox = StringField(_l("Area"), validators=[Optional(), Length(max=100)])
    zoom = IntegerField(_l("Zoom"), validators=[Optional(), NumberRange(min=0, max=MAX_ZOOM)])
    view = SelectField(
        _l("View"),
        default="",
        choices=[SelectChoice("", _l("Full")), SelectChoice("map", _l("Map layer"))],
    )

    def validate_bbox(self, field):
        try:
            parse_bbox(field.data)
        except ValueError:
            raise ValidationError(
                _l("An area is four numbers: west, south, east, north (in degrees).")
            ) from None


def map_filters(form):
    """MapFilters from a validated form."""
    from peacemap.map.services import MapFilters

    return MapFilters(
        q=(form.q.data or "").strip(),
        country=form.country.data or "",
        region=(form.region.data or "").strip(),
        theme=form.theme.data or "",
        type=form.type.data or "",
        year=form.year.data,
        bbox=parse_bbox(form.bbox.data),
    )
