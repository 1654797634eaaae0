"""A network's own page (/<lang>/network): its coordinator vouches for the network's members.

The coordinator's account is scoped to one network (users.network_id): it reaches this page
and nothing of the moderators'. Vouching is shown with the network's name, never a person's,
is audited, and expires after VERIFICATION_YEARS like a verification.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peacemap.accounts.access import coordinator_required
from peacemap.extensions import db
from peacemap.models import Organisation
from peacemap.owners import forms, services
from peacemap.owners.blueprint import bp


def _network():
    network = db.session.get(Organisation, current_user.network_id)
    if network is None or not network.is_published:
        abort(404)
    return network


@bp.get("/network")
@coordinator_required
def network():
    """The network's members, and which of them it vouches for."""
    group = _network()
    return render_template(
        "owners/network.html",
        network=group,
        members=services.members_of(group),
        form=forms.ButtonForm(prefix="vouch"),
    )


@bp.post("/network/<slug>/vouch")
@coordinator_required
def vouch(slug):
    """Vouch for a member of the network (again, to renew it), or stop vouching."""
    group = _network()
    member = next((org for org in services.members_of(group) if org.slug == slug), None)
    if member is None:
        abort(404)  # not a member: the coordinator may not touch it
    if not forms.ButtonForm(prefix="vouch").validate_on_submit():
        abort(400)
    if member.vouched_by_id == group.id and not member.vouch_expired:
        services.withdraw_vouch(member, group, current_user)
        flash(_("You no longer vouch for %(name)s.", name=member.name))
    else:
        services.vouch(member, group, current_user)
        flash(_("You vouch for %(name)s.", name=member.name))
    db.session.commit()
    return redirect(url_for(".network"))
