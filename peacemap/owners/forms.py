"""The owner pages' forms: asking for a link, the organisation's choices, hiding."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from peacemap.models import LinkVisibility, LocationPrecision
from peacemap.validators import EMAIL


class LinkRequestForm(FlaskForm):
    """Ask for an owner link by the organisation's contact address."""

    email = EmailField(
        _l("The organisation's contact email"),
        validators=[DataRequired(), Length(max=254), EMAIL],
    )


class ChoicesForm(FlaskForm):
    """What the public may see of the organisation; one choice per relationship."""

    location_precision = RadioField(
        _l("How precisely we are located on the site"),
        choices=LocationPrecision.choices(),
        validators=[DataRequired()],
    )
    contacts_public = BooleanField(_l("Show our email and phone on our profile"))


def choices_form(org, formdata=None):
    """The choices form for `org`, with a field per relationship it declared."""

    class OrganisationChoices(ChoicesForm):
        pass

    links = []
    for link in sorted(org.outgoing, key=lambda link: (str(link.kind), link.object.name.lower())):
        name = f"link_{link.id}"
        label = _("%(kind)s: %(name)s", kind=link.kind.label, name=link.object.name)
        setattr(
            OrganisationChoices,
            name,
            SelectField(label, choices=LinkVisibility.choices(), validators=[DataRequired()]),
        )
        links.append((name, link))
    form = OrganisationChoices(formdata=formdata, prefix="choices")
    form.link_fields = [form[name] for name, _link in links]
    if formdata is None:
        form.location_precision.data = str(org.location_precision)
        form.contacts_public.data = bool(org.contacts_public)
        for name, link in links:
            form[name].data = str(link.visibility)
    form.asked = lambda: {
        "location_precision": form.location_precision.data,
        "contacts_public": bool(form.contacts_public.data),
        "links": {str(link.id): form[name].data for name, link in links},
    }
    return form


class ButtonForm(FlaskForm):
    """A button of the owner page ("Hide us now", "Show our listing again", "Sign out")."""


class ContactFormChoice(FlaskForm):
    """Whether visitors may write to the organisation through its profile."""

    contact_form = BooleanField(
        _l("Let visitors write to us through PeaceMap (our address stays hidden)")
    )


class WriteForm(FlaskForm):
    """A visitor's message to an organisation, sent on without revealing its address."""

    message = TextAreaField(
        _l("Your message"), validators=[DataRequired(), Length(min=10, max=3000)]
    )
    reply_to = EmailField(
        _l("Your email (optional)"), validators=[Optional(), Length(max=254), EMAIL]
    )
    share_reply_to = BooleanField(_l("Pass my email on to the organisation so it can answer me"))
    homepage = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=500)])


class DangerForm(FlaskForm):
    """A "this listing puts us in danger" request: anyone may ask, it is hidden at once."""

    reason = TextAreaField(
        _l("Anything the moderators should know (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
