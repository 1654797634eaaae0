"""Pieces shared by the submission forms: multiple checkboxes, line lists, country and
language choices, a second language, places matched on the gazetteer."""

import functools
import re

from babel import Locale
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape
from wtforms import SelectField, SelectMultipleField, TextAreaField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from peacemap.i18n import LANGUAGE_NAMES, collation_key, current_language, join_list
from peacemap.places import matching
from peacemap.submissions import references
from peacemap.validators import TextLimit

# Long texts show their limit, and a counter with JavaScript (static/js/counter.js).
COUNTED = {"data-counter": "on"}
MAX_PLACES = 50
MAX_ORGANISATIONS = 30


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def lines(text, limit, max_length):
    """Non-empty lines of a text area, stripped; raises when there are too many or too long."""
    values = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(values) > limit:
        raise ValidationError(
            ngettext("Enter at most %(num)s line.", "Enter at most %(num)s lines.", limit)
        )
    if any(len(value) > max_length for value in values):
        raise ValidationError(
            ngettext(
                "Each line can have at most %(num)s character.",
                "Each line can have at most %(num)s characters.",
                max_length,
            )
        )
    return values


def country_choices():
    """Every country with its name in the page's language: the region's countries first
    (FIRST_COUNTRIES), then all the others, each group in the language's collation order."""
    first = tuple(current_app.config["FIRST_COUNTRIES"])
    labels = (_("West Africa and the Lake Chad basin"), _("All other countries"))
    if not first:
        labels = (None, None)  # one list, without groups
    return [
        SelectChoice(code, name, optgroup=labels[group])
        for group, code, name in _countries(current_language(), first)
    ]


@functools.cache
def _countries(lang, first):
    territories = Locale.parse(lang).territories
    codes = [code for code in territories if len(code) == 2 and code.isalpha() and code != "ZZ"]
    # Not `casefold()`: code point order put Burundi before Bénin and Curaçao before Côte d'Ivoire.
    ordered = sorted(codes, key=lambda code: collation_key(territories[code]))
    return tuple(
        (0 if code in first else 1, code, territories[code])
        for code in sorted(ordered, key=lambda code: code not in first)
    )


class LongSelect(widgets.Select):
    """A select of a long, fixed list (the countries) whose options are rendered once per
    list and chosen value: WTForms renders each option on its own, which took 20 ms of the
    submission form's 30 for 250 countries. Choices with an `optgroup` are grouped."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        groups = tuple(
            (
                str(group) if group is not None else None,
                tuple((str(c.value), str(c.label), c.selected) for c in choices),
            )
            for group, choices in (
                field.iter_groups() if field.has_groups() else [(None, field.iter_choices())]
            )
        )
        attributes = widgets.html_params(name=field.name, **kwargs)
        # html_params and _options escape every value.
        return Markup(f"<select {attributes}>{_options(groups)}</select>")  # noqa: S704


@functools.lru_cache(maxsize=32)
def _options(groups):
    html = []
    for group, choices in groups:
        options = "".join(
            f'<option{" selected" if selected else ""} value="{escape(value)}">'
            f"{escape(label)}</option>"
            for value, label, selected in choices
        )
        html.append(f'<optgroup label="{escape(group)}">{options}</optgroup>' if group else options)
    return "".join(html)


def language_choices():
    return [SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()]


class OtherLanguageFields:
    """The same texts in a second language (optional): submitters can write in several."""

    other_language = SelectField(
        _l("Second language (optional)"),
        choices=[SelectChoice("", _l("None")), *language_choices()],
        default="",
    )
    other_summary = TextAreaField(
        _l("Summary in the second language"),
        validators=[Optional(), TextLimit(max=600)],
        render_kw=COUNTED,
    )
    other_description = TextAreaField(
        _l("Description in the second language"),
        validators=[Optional(), TextLimit(max=10000)],
        render_kw=COUNTED,
    )

    def validate_other_language(self, field):
        if field.data and field.data == self.language.data:
            raise ValidationError(_l("Choose a language other than the first one."))
        if field.data and not (self.other_summary.data or "").strip():
            # Checked here: an empty summary field stops its own validators (Optional).
            raise ValidationError(_l("Write the summary in the second language too."))

    def _texts(self, name):
        """{language: text} of a text field, with its second-language version if any."""
        texts = {self.language.data: _plain(self[name].data)}
        other = f"other_{name}"
        if self.other_language.data and other in self:
            texts[self.other_language.data] = _plain(self[other].data)
        return texts

    def _fill_other(self, payload, lang):
        """Put the first text in another language into the second-language fields."""
        others = [code for code in (payload.get("summary") or {}) if code != lang]
        if others:
            code = others[0]
            self.other_language.data = code
            for name in ("title", "summary", "description"):
                if f"other_{name}" in self:
                    self[f"other_{name}"].data = (payload.get(name) or {}).get(code, "")


def _plain(text):
    """A text area's text with the line breaks browsers send as CRLF made plain newlines."""
    return (text or "").replace("\r\n", "\n").strip()


class PlacesMixin:
    """Places typed one per line, matched to the gazetteer on the server."""

    def validate_places(self, field):
        country = self.country.data if hasattr(self, "country") else None
        names = lines(field.data, MAX_PLACES, 200)
        found, missing = [], []
        for name in names:
            place = matching.match(re.sub(r"\s*\(.*\)\s*$", "", name), country)
            if place is None:
                missing.append(name)
            elif place.geonameid not in {spec["geonameid"] for spec in found}:
                found.append(
                    {"geonameid": place.geonameid, "name": place.name, "country": place.country}
                )
        if missing:
            raise ValidationError(
                _(
                    "We could not find: %(names)s. Check the spelling or give a nearby town.",
                    names=join_list(missing),
                )
            )
        self.matched_places = found


class OrganisationsField(TextAreaField):
    """Published organisations typed one per line (name, acronym, or "Name (address-name)"),
    matched on the server; `data` is the list of their slugs. Several values sent under the
    field's name count as several lines."""

    def __init__(self, label=None, validators=None, networks_only=False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.networks_only = networks_only
        self.text = None

    def process_data(self, value):
        self.data = list(value or [])
        self.text = None

    def process_formdata(self, valuelist):
        self.text = "\n".join(valuelist)
        self.data = []

    def _value(self):
        if self.text is not None:
            return self.text
        return "\n".join(references.lines_for(self.data))

    def pre_validate(self, form):
        if self.text is None:
            return  # slugs given by the code, not typed
        slugs, missing, ambiguous = [], [], []
        for line in lines(self.text, MAX_ORGANISATIONS, 300):
            found = references.resolve(line, self.networks_only)
            if not found:
                missing.append(line)
            elif len(found) > 1:
                ambiguous.append((line, found))
            elif found[0].slug not in slugs:
                slugs.append(found[0].slug)
        self.data = slugs
        if missing:
            names = join_list(missing)
            raise ValidationError(
                _(
                    "No listed network is called: %(names)s. Add it first, or leave it out.",
                    names=names,
                )
                if self.networks_only
                else _(
                    "No listed organisation is called: %(names)s. Add it first, or leave it out.",
                    names=names,
                )
            )
        if ambiguous:
            line, found = ambiguous[0]
            raise ValidationError(
                _(
                    "“%(name)s” could be any of: %(choices)s. Write the line of the one you mean.",
                    name=line,
                    choices="; ".join(references.line_for(org) for org in found),
                )
            )
