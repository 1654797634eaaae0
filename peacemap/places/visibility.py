"""What a record's chosen location precision lets visitors see of its places."""

from dataclasses import dataclass

from peacemap.models import LocationPrecision

# Precisions under which a record may be found by, and shown in, its region.
REGION_VISIBLE = (LocationPrecision.EXACT, LocationPrecision.COMMUNE, LocationPrecision.REGION)


@dataclass(frozen=True)
class VisiblePlace:
    """A place as the public may see it: a label, and coordinates only when exact."""

    name: str | None
    region: str | None
    country: str
    latitude: float | None = None
    longitude: float | None = None


def public_places(locations, precision):
    """The places to show for `locations` under `precision`, without duplicates.

    exact: place, region, country and coordinates; commune: place, region, country;
    region: region and country; country and not_mapped: the country alone.
    """
    seen = set()
    shown = []
    for location in locations:
        if precision == LocationPrecision.EXACT:
            place = VisiblePlace(
                location.name,
                location.admin1,
                location.country,
                location.latitude,
                location.longitude,
            )
        elif precision == LocationPrecision.COMMUNE:
            place = VisiblePlace(location.name, location.admin1, location.country)
        elif precision == LocationPrecision.REGION:
            place = VisiblePlace(None, location.admin1, location.country)
        else:
            place = VisiblePlace(None, None, location.country)
        if place not in seen:
            seen.add(place)
            shown.append(place)
    return shown
