"""The forms that are not a record's fields: reporting a problem, and tracking a submission."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from peacemap.submissions.fields import COUNTED
from peacemap.validators import EMAIL, TextLimit


class ReportForm(FlaskForm):
    """Telling the moderators that something is wrong or should not be listed."""

    reason = RadioField(
        _l("What is the problem?"),
        choices=[
            SelectChoice("wrong_information", _l("This information is wrong")),
            SelectChoice("should_not_be_listed", _l("This group should not be listed")),
            SelectChoice("other", _l("Something else")),
        ],
        validators=[InputRequired(message=_l("Choose what the problem is."))],
    )
    message = TextAreaField(
        _l("Explain, so that a moderator can check"),
        validators=[DataRequired(), TextLimit(min=10, max=3000)],
        render_kw=COUNTED,
    )
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
    homepage = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=500)])
    form_token = HiddenField(validators=[DataRequired(), Length(min=16, max=64)])

    def payload(self):
        return {"reason": self.reason.data, "message": self.message.data.strip()}


class TrackForm(FlaskForm):
    """Enter a tracking code."""

    code = StringField(_l("Tracking code"), validators=[DataRequired(), Length(max=64)])


class TrackActionForm(FlaskForm):
    """A button acting on the submission found with the code kept in the session."""
