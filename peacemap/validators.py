"""Validators that forms of several rooms share."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import Regexp

# An address a mail server would take: one @, no spaces or angle brackets, a dotted domain.
EMAIL = Regexp(
    r"^[^@\s<>]{1,64}@[^@\s<>]+\.[^@\s<>]{2,}$", message=_l("Enter a valid email address.")
)
