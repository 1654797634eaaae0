"""Moderation forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from peacemap.models import SubmissionKind, SubmissionState, VerificationLevel

NOTE_LENGTH = Length(max=3000)


class QueueFilterForm(Form):
    """Filters of the queue (GET)."""

    kind = SelectField(
        _l("Kind"),
        default="",
        choices=[SelectChoice("", _l("All kinds")), *SubmissionKind.choices()],
    )
    state = SelectField(
        _l("State"),
        default="open",
        choices=[
            SelectChoice("open", _l("Waiting (pending or changes requested)")),
            SelectChoice("", _l("All states")),
            *SubmissionState.choices(),
        ],
    )
    age = SelectField(
        _l("Age"),
        default="",
        choices=[
            SelectChoice("", _l("Any age")),
            SelectChoice("1", _l("Older than a day")),
            SelectChoice("7", _l("Older than a week")),
            SelectChoice("30", _l("Older than a month")),
        ],
    )
    page = IntegerField(default=1, validators=[Optional(), NumberRange(min=1, max=10_000)])


class NoteForm(FlaskForm):
    """A decision with an optional note."""

    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), NOTE_LENGTH])


class RejectForm(FlaskForm):
    """Rejecting needs a reason the submitter will read."""

    note = TextAreaField(
        _l("Reason for rejecting"), validators=[DataRequired(), Length(min=5, max=3000)]
    )


class ChangesForm(FlaskForm):
    """Asking for changes needs a message the submitter will read."""

    note = TextAreaField(
        _l("What should the submitter change?"),
        validators=[DataRequired(), Length(min=5, max=3000)],
    )


class MergeForm(FlaskForm):
    """Merge a proposal into an existing organisation."""

    target = HiddenField(validators=[DataRequired(), Length(max=120)])


class BulkForm(FlaskForm):
    """Approve or reject several submissions at once."""

    ids = SelectMultipleField(_l("Submissions"), coerce=int, validate_choice=False)
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("reject", _l("Reject"))],
    )
    note = TextAreaField(_l("Note or reason"), validators=[Optional(), NOTE_LENGTH])
    # Proposals with likely duplicates the moderator checked and approves anyway.
    confirmed = SelectMultipleField(_l("Approve anyway"), coerce=int, validate_choice=False)
    everything = BooleanField(_l("Every open submission the filters show"))
    total = IntegerField(validators=[Optional(), NumberRange(min=0)])  # selected at first


class VerifyForm(FlaskForm):
    """Set an organisation's verification level."""

    level = SelectField(_l("Verification"), choices=VerificationLevel.choices())
    note = TextAreaField(_l("How was it checked?"), validators=[Optional(), NOTE_LENGTH])


class PublicationForm(FlaskForm):
    """Unpublish or republish."""

    note = TextAreaField(_l("Reason"), validators=[Optional(), NOTE_LENGTH])


class ConfirmForm(FlaskForm):
    """A button with a CSRF token and nothing else."""


class EraseForm(FlaskForm):
    """Erasing a record for good: the admin types its slug again."""

    slug = StringField(
        _l("Type the record's slug to confirm"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class OwnerForm(FlaskForm):
    """What a moderator records of the organisation's say: its address checked, or its
    consent given some other way than through its owner page."""

    address_checked = BooleanField(
        _l("The contact address is the organisation's own (checked by a moderator)")
    )
    how = TextAreaField(
        _l("Confirmed through a moderator: how the organisation gave its consent"),
        description=_l("For example: by phone with its coordinator on 3 March, who chose these."),
        validators=[Optional(), NOTE_LENGTH],
    )


class PendingForm(FlaskForm):
    """Let the organisation's wider choices take effect, or decline them."""

    decision = SelectField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Show more, as asked")),
            SelectChoice("decline", _l("Decline")),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), NOTE_LENGTH])


def approve_form_classes():
    """Forms to approve (optionally after editing) organisation and initiative proposals."""
    from peacemap.submissions.forms import InitiativeFields, OrganisationFields

    class ApproveOrganisationForm(OrganisationFields):
        note = TextAreaField(_l("Note (optional)"), validators=[Optional(), NOTE_LENGTH])
        wider_reason = TextAreaField(
            _l("Show it as sent before the organisation confirms, because…"),
            description=_l(
                "Leave empty to show the protective choices until the organisation confirms: "
                "the country only, no contacts, no names of the organisations it works with."
            ),
            validators=[Optional(), NOTE_LENGTH],
        )
        register_override = TextAreaField(
            _l("Administrators: list it although it asked not to be listed, because…"),
            validators=[Optional(), NOTE_LENGTH],
        )

    class ApproveInitiativeForm(InitiativeFields):
        note = TextAreaField(_l("Note (optional)"), validators=[Optional(), NOTE_LENGTH])

    return ApproveOrganisationForm, ApproveInitiativeForm


TEXT_LIMITS = {"title": 300, "summary": 600, "description": 10000}


def translations_form(fields, languages, formdata=None, record=None):
    """A form with one text area per text field and language, filled from the record."""

    class TranslationsForm(FlaskForm):
        pass

    for name in fields:
        for lang in languages:
            setattr(
                TranslationsForm,
                f"{name}_{lang}",
                TextAreaField(
                    f"{name} ({lang})",
                    validators=[Optional(), Length(max=TEXT_LIMITS[name])],
                    render_kw={"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"},
                ),
            )
    form = TranslationsForm(formdata=formdata, prefix="texts")
    if formdata is None and record is not None:
        for name in fields:
            for lang in languages:
                form[f"{name}_{lang}"].data = (getattr(record, name) or {}).get(lang, "")
    form.text_fields = [(name, [form[f"{name}_{lang}"] for lang in languages]) for name in fields]
    return form


class CrisisForm(FlaskForm):
    """An area to put in crisis mode: a country or one of its regions (the choices, grouped by
    country, are set from the known areas), and why."""

    area = SelectField(_l("Country or region"), validators=[DataRequired()], choices=[])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=500)],
        description=_l(
            "Seen by moderators and admins only. Say what happened and where it was reported."
        ),
    )
