"""Account forms: sign-in, its second step, and the two-factor settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

# What a phone needs to offer the code its authenticator app shows, on a digits keyboard.
CODE_INPUT = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "autocapitalize": "off",
    "spellcheck": "false",
    "maxlength": "8",
}


class LoginForm(FlaskForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class LogoutForm(FlaskForm):
    """Sign-out is a POST with a CSRF token, so no link elsewhere can sign a moderator out."""


class SecondStepForm(FlaskForm):
    """The sign-in's second step: a code from the app, or a recovery code."""

    code = StringField(
        _l("Six-digit code"), validators=[DataRequired(), Length(max=32)], render_kw=CODE_INPUT
    )


class RecoveryStepForm(SecondStepForm):
    """The same step for someone without their phone: a recovery code, letters and digits."""

    code = StringField(
        _l("Recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class CodeForm(FlaskForm):
    """Confirms enrolment, or a new set of recovery codes, with a current code."""

    code = StringField(
        _l("Code from your app"), validators=[DataRequired(), Length(max=32)], render_kw=CODE_INPUT
    )


class TurnOffForm(FlaskForm):
    """Turning the second factor off asks for the password or a current code."""

    credential = PasswordField(
        _l("Your password, or a code from your app"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
