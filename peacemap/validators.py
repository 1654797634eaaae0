"""Validators that forms of several rooms share."""

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import Length, Regexp, ValidationError

# An address a mail server would take: one @, no spaces or angle brackets, a dotted domain.
EMAIL = Regexp(
    r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>]{2,}$", message=_l("Enter a valid email address.")
)


class TextLimit(Length):
    """A text's length, refused with its size when too long, never cut: the page shows the
    limit (and a counter with JavaScript), and the text comes back as typed to shorten."""

    def __call__(self, form, field):
        length = len(field.data or "")
        if self.max != -1 and length > self.max:
            raise ValidationError(
                _(
                    "At most %(max)s characters: this text has %(length)s. Shorten it; nothing "
                    "was cut.",
                    max=format_decimal(self.max),
                    length=format_decimal(length),
                )
            )
        super().__call__(form, field)
