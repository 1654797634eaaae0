"""Public pages: home, organisation list and profiles, initiative list and pages."""

from flask import Blueprint, abort, current_app, render_template
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from peacemap.directory import services
from peacemap.directory.forms import (
    InitiativeFilterForm,
    OrganisationFilterForm,
    validated_query,
)
from peacemap.i18n import country_name, current_language, localized, query_args, region_name
from peacemap.models import Sector
from peacemap.public import consent
from peacemap.public import view as public
from peacemap.public.jsonld import organisation_jsonld
from peacemap.public.places import visible_places

bp = Blueprint("directory", __name__, url_prefix="/<lang_code>")


def _theme_labels():
    """{slug: label in the page's language} for every theme, in taxonomy order."""
    return {theme.slug: localized(theme.labels).text for theme in services.all_themes()}


@bp.get("/")
def home():
    """Home page: search box, counts, recently updated organisations, countries."""
    return render_template(
        "directory/home.html",
        counts=services.home_counts(),
        recent=services.recently_updated(),
        countries=services.countries_with_counts(),
    )


@bp.get("/organisations")
def organisations():
    """Browse and filter published organisations."""
    form = validated_query(OrganisationFilterForm)
    filters = form.filters()
    facets = services.organisation_facets(filters)
    form.country.choices = _choices(
        _("All countries"), facets["country"], filters.country, country_name
    )
    form.region.choices = _choices(_("All regions"), facets["region"], filters.region, region_name)
    theme_labels = _theme_labels()
    form.theme.choices = _choices(
        _("All themes"), facets["theme"], filters.theme, lambda slug: theme_labels.get(slug, slug)
    )
    form.type.choices = [
        SelectChoice(
            c.value, f"{c.label} ({facets['type'].get(c.value, 0)})" if c.value else c.label
        )
        for c in form.type.choices
    ]
    page = services.list_organisations(
        filters, form.page.data or 1, current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "directory/organisations.html", form=form, page=page, export_args=_export_args()
    )


def _export_args():
    """The list's filters, for its download links (the page number and order left out)."""
    args = {k: v for k, v in query_args().items() if k not in ("page", "sort") and v}
    return {**args, "lang": current_language()}


def _choices(everything_label, counts, selected, label_of):
    """Select options with counts, sorted by label; the selected value stays listed."""
    values = dict(counts)
    if selected and selected not in values:
        values[selected] = 0
    options = sorted(values.items(), key=lambda item: str(label_of(item[0])).casefold())
    return [SelectChoice("", everything_label)] + [
        SelectChoice(value, f"{label_of(value)} ({count})") for value, count in options
    ]


@bp.get("/organisations/<slug>")
def organisation(slug):
    """An organisation's public profile."""
    org = services.get_published_organisation(slug)
    if org is None:
        abort(404)
    links = services.connections(org)
    return render_template(
        "directory/organisation.html",
        org=org,
        other_names=services.other_names(org),
        links=links,
        jsonld=organisation_jsonld(org, links, current_language()),
        places=visible_places(org),
        sectors=[sector for sector in Sector if sector.value in (org.sectors or [])],
        contacts=public.contacts(org),
        verification=public.verification(org),
        confirmation=consent.confirmation(org),
        takes_messages=consent.takes_messages(org),
        vouch=public.vouching(org),
        related=services.related_organisations(org),
    )


@bp.get("/initiatives")
def initiatives():
    """Browse published initiatives."""
    form = validated_query(InitiativeFilterForm)
    theme_labels = _theme_labels()
    form.country.choices = [SelectChoice("", _("All countries"))] + [
        SelectChoice(code, country_name(code)) for code in services.initiative_countries()
    ]
    form.theme.choices = [SelectChoice("", _("All themes"))] + [
        SelectChoice(slug, label) for slug, label in theme_labels.items()
    ]
    filters = form.filters()
    page = services.list_initiatives(filters, form.page.data or 1, current_app.config["PAGE_SIZE"])
    return render_template(
        "directory/initiatives.html", form=form, page=page, export_args=_export_args()
    )


@bp.get("/initiatives/<slug>")
def initiative(slug):
    """An initiative's public page."""
    item = services.get_published_initiative(slug)
    if item is None:
        abort(404)
    return render_template(
        "directory/initiative.html",
        initiative=item,
        organisations=services.initiative_organisations(item),
        places=visible_places(item),
    )


@bp.get("/about")
def about():
    """What PeaceMap is, how records are checked, and where the data comes from."""
    return render_template("directory/about.html")
