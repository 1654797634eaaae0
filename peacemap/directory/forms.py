"""Filter forms for the public lists (GET forms, so no CSRF token)."""

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp

from peacemap.directory.services import InitiativeFilters, OrganisationFilters
from peacemap.models import InitiativeStatus, OrganisationType, Sector

MAX_PAGE = 10_000


def validated_query(form_class):
    """Bind a GET form to the query string; a refused value is a 400 naming the field."""
    form = form_class(request.args)
    if not form.validate():
        field = next(field for field in form if field.errors)
        abort(
            400,
            description=_("%(field)s: %(error)s", field=field.label.text, error=field.errors[0]),
        )
    return form


class ListForm(Form):
    """Fields shared by every public list: a keyword and a page number."""

    q = StringField(_l("Keyword"), validators=[Optional(), Length(max=200)])
    page = IntegerField(
        _l("Page"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)]
    )


def country_field():
    """A country filter: an ISO 3166-1 alpha-2 code; options are set from the data."""
    return SelectField(
        _l("Country"),
        default="",
        validate_choice=False,
        validators=[Optional(), Regexp(r"^[A-Z]{2}$", message=_l("Not a country code."))],
    )


def theme_field():
    """A theme filter: a theme slug; options are set from the taxonomy."""
    return SelectField(
        _l("Theme"), default="", validate_choice=False, validators=[Optional(), Length(max=60)]
    )


def region_field():
    """A region filter: a first-level region's name; options are set from the data."""
    return SelectField(
        _l("Region"), default="", validate_choice=False, validators=[Optional(), Length(max=120)]
    )


def type_field():
    """An organisation type filter, with every type as an option."""
    return SelectField(
        _l("Type"),
        default="",
        choices=[SelectChoice("", _l("All types")), *OrganisationType.choices()],
    )


def sector_field():
    """An OCHA cluster filter (organisations imported from 3W sheets carry them)."""
    return SelectField(
        _l("Sector"),
        default="",
        choices=[SelectChoice("", _l("All sectors")), *Sector.choices()],
    )


class OrganisationFilterForm(ListForm):
    """Filters of /organisations; options and their counts come from the published data."""

    country = country_field()
    region = region_field()
    theme = theme_field()
    type = type_field()
    sector = sector_field()
    verification = SelectField(
        _l("Verification"),
        default="",
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("verified", _l("Verified")),
            SelectChoice("unverified", _l("Not yet verified")),
        ],
    )
    sort = SelectField(
        _l("Sort by"),
        default="name",
        choices=[SelectChoice("name", _l("Name")), SelectChoice("updated", _l("Recently updated"))],
    )

    def filters(self):
        """What the visitor asked for, as the directory's services take it."""
        return OrganisationFilters(
            **{
                name: (self[name].data or "").strip()
                for name in ("q", "country", "region", "theme", "type", "sector", "verification")
            },
            sort=self.sort.data or "name",
        )


class InitiativeFilterForm(ListForm):
    """Filters of /initiatives."""

    country = country_field()
    theme = theme_field()
    status = SelectField(
        _l("Status"),
        default="",
        choices=[SelectChoice("", _l("Any status")), *InitiativeStatus.choices()],
    )

    def filters(self):
        """What the visitor asked for, as the directory's services take it."""
        return InitiativeFilters(
            q=(self.q.data or "").strip(),
            country=self.country.data or "",
            theme=self.theme.data or "",
            status=self.status.data or "",
        )
