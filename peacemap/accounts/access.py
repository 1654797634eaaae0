"""The role checks on every route that is not public: signed in, moderator, admin, and a
network's coordinator.

Every account must also have a second factor when the site requires one (REQUIRE_TWO_FACTOR);
without it they are sent to set it up. A coordinator's account is scoped to one network: it
reaches no moderator page, only its network's page (peacemap/owners/network_views.py).
"""

from functools import wraps

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peacemap.extensions import login_manager


def must_enrol():
    """True when the site requires a second factor and the signed-in account has none."""
    return current_app.config["REQUIRE_TWO_FACTOR"] and not current_user.two_factor_enabled


def _enrolment_redirect():
    flash(_("This site requires two-factor authentication: set it up to continue."))
    return redirect(url_for("accounts.two_factor"))


def signed_in_required(view):
    """Any signed-in account, second factor or not (its own two-factor settings)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def _account_required(may_enter):
    """A decorator for routes that only signed-in accounts with a second factor (when the site
    requires one) and for which `may_enter(account)` holds may reach; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if must_enrol():
                return _enrolment_redirect()
            if not may_enter(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Moderators and admins; not a network's coordinator, whose account is scoped to its network.
moderator_required = _account_required(lambda account: account.network_id is None)
# Admins only.
admin_required = _account_required(lambda account: account.is_admin and account.network_id is None)
# A network's coordinator only (peacemap/owners/network_views.py).
coordinator_required = _account_required(lambda account: account.network_id is not None)
