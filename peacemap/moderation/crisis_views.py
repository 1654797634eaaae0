"""Admins' page of crisis mode: the areas in crisis, set one with a reason, lift one."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peacemap.accounts.access import admin_required
from peacemap.extensions import db
from peacemap.i18n import country_name, region_name
from peacemap.moderation import crisis, forms
from peacemap.moderation.blueprint import bp

SEPARATOR = "/"  # between a country's code and a region's name in the form's values


def _form():
    """The form, with one group of choices per country: the whole country, then its regions."""
    form = forms.CrisisForm()
    form.area.choices = {
        country_name(country): [
            (country, _("%(country)s (the whole country)", country=country_name(country))),
            *((f"{country}{SEPARATOR}{region}", region_name(region)) for region in regions),
        ]
        for country, regions in crisis.known_areas().items()
    }
    return form


def _page(form, status=200):
    return render_template(
        "moderation/crisis.html",
        form=form,
        areas=crisis.history(),
        lift_form=forms.ConfirmForm(),
    ), status


@bp.get("/crisis")
@admin_required
def crisis_areas():
    """The areas in crisis mode, and those lifted, with who set them and when."""
    return _page(_form())


@bp.post("/crisis")
@admin_required
def set_crisis():
    """Put a country or a region in crisis mode."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    country, _sep, region = form.area.data.partition(SEPARATOR)
    try:
        area = crisis.set_area(country, region, form.reason.data.strip(), current_user)
    except crisis.AreaError as error:
        form.area.errors.append(
            _("This area is already in crisis mode.")
            if error.args == (crisis.ALREADY,)
            else _("Not a known country or region.")
        )
        return _page(form, 400)
    db.session.commit()
    flash(_("Crisis mode is on for %(area)s.", area=_area_name(area)))
    return redirect(url_for(".crisis_areas"))


@bp.post("/crisis/<int:area_id>/lift")
@admin_required
def lift_crisis(area_id):
    """End an area's crisis mode: its records are shown as their owners chose again."""
    area = crisis.get_active(area_id)
    if area is None:
        abort(404)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    crisis.lift(area, current_user)
    db.session.commit()
    flash(_("Crisis mode is off for %(area)s.", area=_area_name(area)))
    return redirect(url_for(".crisis_areas"))


def _area_name(area):
    if area.admin1:
        return _(
            "%(region)s, %(country)s",
            region=region_name(area.admin1),
            country=country_name(area.country),
        )
    return country_name(area.country)
