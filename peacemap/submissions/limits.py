"""Submission rate limits. Only accepted submissions count against the submission limit
(offices and cybercafés share one address); forms sent back for a mistake count against their
own, higher limit, which only stops a script. Flask-Limiter's `deduct_when` decides after the
response: the limit is tested before the view and deducted only for the right outcome.

At a limit the form is shown again with everything typed (status 429) and a message, in the
page's language, saying how many forms are accepted and when to try again."""

import time

from flask import current_app, g
from flask_babel import format_decimal, format_timedelta, ngettext
from flask_babel import gettext as _

from peacemap.extensions import limiter


def accepted_limit():
    return current_app.config["SUBMISSION_RATE_LIMIT"]


def rejected_limit():
    return current_app.config["SUBMISSION_REJECTED_RATE_LIMIT"]


def _was_accepted(response):
    return response.status_code < 400  # the receipt (or the honeypot's pretend receipt)


def _was_rejected(response):
    return response.status_code == 400  # sent back with the mistakes to correct


def limited(view):
    """Put both submission limits on a view's POSTs."""
    view = limiter.limit(
        rejected_limit, methods=["POST"], deduct_when=_was_rejected, scope="rejected"
    )(view)
    return limiter.limit(accepted_limit, methods=["POST"], deduct_when=_was_accepted)(view)


def remember(error):
    """Keep, for the page shown again, what to tell about the limit `error` reached."""
    item = error.limit.limit
    breached = limiter.current_limit
    period = item.get_expiry()
    wait = breached.reset_at - time.time() if breached is not None else period
    g.rate_limited = " ".join(
        (
            ngettext(
                "At most %(count)s form can be sent from one connection in %(period)s.",
                "At most %(count)s forms can be sent from one connection in %(period)s.",
                item.amount,
                count=format_decimal(item.amount),
                period=format_timedelta(period),
            ),
            _(
                "Nothing you typed is lost: it is below. You can send it again in %(time)s.",
                time=format_timedelta(max(wait, 60)),
            ),
        )
    )
