"""Submission forms. Every field has limits; errors are shown next to the field."""

import re
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from peacemap.models import InitiativeStatus, LinkVisibility, LocationPrecision, OrganisationType
from peacemap.submissions.fields import (
    COUNTED,
    LongSelect,
    MultiCheckboxField,
    OrganisationsField,
    OtherLanguageFields,
    PlacesMixin,
    country_choices,
    language_choices,
    lines,
)
from peacemap.submissions.report_forms import (  # noqa: F401  (the views find them here)
    ReportForm,
    TrackActionForm,
    TrackForm,
)
from peacemap.templating import web_url
from peacemap.validators import EMAIL, TextLimit

WHY_MAX = 1000  # characters of a correction's "what changed and why"
IDENTIFIER = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,10}:\S{1,100}$")


class SubmitterFields(FlaskForm):
    """Who is submitting, their consent, the anti-bot field and the one-time token."""

    # Neither a name nor an address is needed: people who list a group at risk may not want
    # to be known, and nothing here depends on knowing them.
    submitter_name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    submitter_email = EmailField(
        _l("Your email (optional, to receive updates)"),
        validators=[Optional(), Length(max=254), EMAIL],
        render_kw={"autocomplete": "email"},
    )
    submitter_role = StringField(
        _l("Your role or relationship to the organisation (optional)"),
        validators=[Optional(), Length(max=200)],
    )
    # Hidden from people by CSS; bots fill it in.
    homepage = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=500)])
    form_token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])


class OrganisationFields(OtherLanguageFields, PlacesMixin, FlaskForm):
    """What describes an organisation: used by the public and by moderators."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(min=2, max=300)],
        render_kw={"autocomplete": "organization"},
    )
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    alternate_names = TextAreaField(
        _l("Other names (one per line)"), validators=[Optional(), Length(max=3000)]
    )
    type = SelectField(_l("Type"), choices=OrganisationType.choices())
    country = SelectField(
        _l("Country"), default=lambda: current_app.config["DEFAULT_COUNTRY"], widget=LongSelect()
    )
    founded_year = IntegerField(
        _l("Year founded"),
        validators=[Optional(), NumberRange(min=1800)],
        render_kw={"inputmode": "numeric"},
    )
    language = SelectField(_l("Language of the texts below"), choices=language_choices())
    summary = TextAreaField(
        _l("Summary (one or two sentences)"),
        validators=[DataRequired(), TextLimit(min=10, max=600)],
        render_kw=COUNTED,
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), TextLimit(max=10000)], render_kw=COUNTED
    )
    themes = MultiCheckboxField(_l("Themes"), validate_choice=True)
    networks = OrganisationsField(_l("Networks it is a member of"), networks_only=True)
    networks_visibility = RadioField(
        _l("How may these memberships be shown?"),
        choices=LinkVisibility.choices(),
        default=LinkVisibility.PUBLIC.value,
    )
    places = TextAreaField(
        _l("Places where it works (one per line: town, commune or city)"),
        validators=[Optional(), Length(max=5000)],
    )
    location_precision = RadioField(
        _l("How precisely may its location be shown?"),
        choices=LocationPrecision.choices(),
        default=LocationPrecision.COMMUNE.value,
    )
    # Typed inputs: phones show the keyboard that fits (@, digits, .com); the form is
    # `novalidate`, so the server's messages, in the page's language, are the ones shown.
    website = URLField(
        _l("Website"),
        validators=[Optional(), Length(max=500)],
        render_kw={"autocomplete": "url", "placeholder": "https://"},
    )
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254), EMAIL])
    phone = TelField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=50),
            Regexp(r"^[0-9+() .\-/]{4,50}$", message=_l("Use digits, spaces and + ( ) - only.")),
        ],
    )
    contacts_public = BooleanField(_l("Show the email and phone number publicly"))
    identifiers = TextAreaField(
        _l("Registration numbers (one per line, e.g. ML-MAT:0603-G-DB)"),
        validators=[Optional(), Length(max=2000)],
    )

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = country_choices()
        self.themes.choices = [SelectChoice(slug, label) for slug, label in themes]

    def validate_founded_year(self, field):
        if field.data and field.data > date.today().year:
            raise ValidationError(_l("The year cannot be in the future."))

    def validate_website(self, field):
        if field.data and not web_url(field.data):
            raise ValidationError(_l("Enter a full address starting with https:// or http://."))

    def validate_identifiers(self, field):
        for value in lines(field.data, 10, 120):
            if not IDENTIFIER.match(value):
                raise ValidationError(
                    _("“%(value)s” is not of the form SCHEME:number.", value=value)
                )

    def validate_alternate_names(self, field):
        lines(field.data, 20, 300)

    def payload(self):
        """The proposal as a record payload."""
        lang = self.language.data
        return {
            "name": self.name.data.strip(),
            "acronym": (self.acronym.data or "").strip() or None,
            "alternate_names": lines(self.alternate_names.data, 20, 300),
            "type": self.type.data,
            "country": self.country.data,
            "founded_year": self.founded_year.data,
            "language": lang,
            "summary": self._texts("summary"),
            "description": self._texts("description"),
            "themes": sorted(self.themes.data or []),
            "member_of": sorted(self.networks.data or []),
            "member_of_visibility": {
                slug: self.networks_visibility.data for slug in self.networks.data or []
            },
            "places": getattr(self, "matched_places", []),
            "location_precision": self.location_precision.data,
            "website": (self.website.data or "").strip() or None,
            "email": (self.email.data or "").strip() or None,
            "phone": (self.phone.data or "").strip() or None,
            "contacts_public": bool(self.contacts_public.data),
            "identifiers": sorted(lines(self.identifiers.data, 10, 120)),
        }

    def fill(self, payload, lang=None):
        """Prefill from a payload, showing its texts in `lang` (default: its own language)."""
        lang = _text_language(payload.get("summary"), lang, payload.get("language"))
        self.name.data = payload.get("name")
        self.acronym.data = payload.get("acronym")
        self.alternate_names.data = "\n".join(payload.get("alternate_names") or [])
        self.type.data = payload.get("type")
        self.country.data = payload.get("country")
        self.founded_year.data = payload.get("founded_year")
        self.language.data = lang
        self.summary.data = (payload.get("summary") or {}).get(lang, "")
        self.description.data = (payload.get("description") or {}).get(lang, "")
        self.themes.data = payload.get("themes") or []
        self.networks.data = payload.get("member_of") or []
        self.networks_visibility.data = LinkVisibility.most_protective(
            *(payload.get("member_of_visibility") or {}).values()
        ).value
        self.places.data = "\n".join(spec["name"] for spec in payload.get("places") or [])
        self.location_precision.data = payload.get("location_precision") or "commune"
        self.website.data = payload.get("website")
        self.email.data = payload.get("email")
        self.phone.data = payload.get("phone")
        self.contacts_public.data = payload.get("contacts_public")
        self.identifiers.data = "\n".join(payload.get("identifiers") or [])
        self._fill_other(payload, lang)


class OrganisationSubmissionForm(OrganisationFields, SubmitterFields):
    """A new organisation or a correction, proposed by the public."""

    consent = BooleanField(
        _l(
            "I confirm that the organisation agrees to be listed, with the location "
            "precision and contact choices above."
        ),
        validators=[DataRequired(message=_l("Please confirm consent to publish."))],
    )


class InitiativeFields(OtherLanguageFields, PlacesMixin, FlaskForm):
    """What describes an initiative."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=300)])
    other_title = StringField(
        _l("Title in the second language"), validators=[Optional(), Length(max=300)]
    )
    language = SelectField(_l("Language of the texts below"), choices=language_choices())
    summary = TextAreaField(
        _l("Summary (one or two sentences)"),
        validators=[DataRequired(), TextLimit(min=10, max=600)],
        render_kw=COUNTED,
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), TextLimit(max=10000)], render_kw=COUNTED
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=InitiativeStatus.choices())
    themes = MultiCheckboxField(_l("Themes"), validate_choice=True)
    places = TextAreaField(
        _l("Places where it takes place (one per line)"),
        validators=[Optional(), Length(max=5000)],
    )
    location_precision = RadioField(
        _l("How precisely may its places be shown?"),
        choices=LocationPrecision.choices(),
        default=LocationPrecision.COMMUNE.value,
    )
    leads = OrganisationsField(_l("Led by"))
    leads_visibility = RadioField(
        _l("How may the organisations leading it be shown?"),
        choices=LinkVisibility.choices(),
        default=LinkVisibility.PUBLIC.value,
    )
    partners = OrganisationsField(_l("Partners"))
    partners_visibility = RadioField(
        _l("How may its partners be shown?"),
        choices=LinkVisibility.choices(),
        default=LinkVisibility.PUBLIC.value,
    )
    funders = OrganisationsField(_l("Funded by"))
    # Foreign funding itself can put a group in danger: funders are not named unless chosen.
    funders_visibility = RadioField(
        _l("How may its funders be shown?"),
        choices=LinkVisibility.choices(),
        default=LinkVisibility.UNNAMED.value,
    )

    ROLE_FIELDS = (("leads", "lead"), ("partners", "partner"), ("funders", "funder"))

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [SelectChoice(slug, label) for slug, label in themes]

    def validate_end_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def payload(self):
        lang = self.language.data
        return {
            "title": self._texts("title"),
            "summary": self._texts("summary"),
            "description": self._texts("description"),
            "language": lang,
            "start_date": self.start_date.data.isoformat() if self.start_date.data else None,
            "end_date": self.end_date.data.isoformat() if self.end_date.data else None,
            "status": self.status.data,
            "themes": sorted(self.themes.data or []),
            "places": getattr(self, "matched_places", []),
            "location_precision": self.location_precision.data,
            "organisations": [
                {"slug": slug, "role": role, "visibility": self[f"{name}_visibility"].data}
                for name, role in self.ROLE_FIELDS
                for slug in sorted(self[name].data or [])
            ],
        }

    def fill(self, payload, lang=None):
        lang = _text_language(payload.get("title"), lang, payload.get("language"))
        self.title.data = (payload.get("title") or {}).get(lang, "")
        self.language.data = lang
        self.summary.data = (payload.get("summary") or {}).get(lang, "")
        self.description.data = (payload.get("description") or {}).get(lang, "")
        self.start_date.data = _date(payload.get("start_date"))
        self.end_date.data = _date(payload.get("end_date"))
        self.status.data = payload.get("status")
        self.themes.data = payload.get("themes") or []
        self.places.data = "\n".join(spec["name"] for spec in payload.get("places") or [])
        self.location_precision.data = payload.get("location_precision") or "commune"
        for name, role in self.ROLE_FIELDS:
            items = [item for item in payload.get("organisations") or [] if item["role"] == role]
            self[name].data = [item["slug"] for item in items]
            if items:
                self[f"{name}_visibility"].data = LinkVisibility.most_protective(
                    *(item.get("visibility") for item in items)
                ).value
        self._fill_other(payload, lang)


def _date(value):
    return date.fromisoformat(value) if value else None


def _text_language(texts, *preferred):
    """The first preferred language the texts exist in, else any they exist in."""
    texts = texts or {}
    for lang in (*preferred, *texts):
        if lang and texts.get(lang):
            return lang
    return next((lang for lang in preferred if lang), "fr")


class InitiativeSubmissionForm(InitiativeFields, SubmitterFields):
    """A new initiative or a correction, proposed by the public."""

    consent = BooleanField(
        _l("I confirm that the organisations involved agree to this information being published."),
        validators=[DataRequired(message=_l("Please confirm consent to publish."))],
    )


class WhyMixin:
    """A correction's note to the moderators: what changed and why (kept in the payload)."""

    why = TextAreaField(
        _l("What did you change, and why? (for the moderators, optional)"),
        validators=[Optional(), Length(max=WHY_MAX)],
    )

    def payload(self):
        payload = super().payload()
        why = (self.why.data or "").replace("\r\n", "\n").strip()
        if why:
            payload["why"] = why
        return payload


class OrganisationCorrectionForm(WhyMixin, OrganisationSubmissionForm):
    """A correction to an organisation's profile, proposed by the public."""


class InitiativeCorrectionForm(WhyMixin, InitiativeSubmissionForm):
    """A correction to an initiative, proposed by the public."""
