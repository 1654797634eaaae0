"""The admins' import page: upload a file of organisations, see what the import did.

The import runs within the request, so files are capped by MAX_CONTENT_LENGTH (2 MB, about
10,000 3W rows); bigger files are imported on the server with `flask data import`.
"""

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from peacemap.accounts.access import admin_required
from peacemap.errors import render_error
from peacemap.extensions import db
from peacemap.imports import importer, threew

bp = Blueprint("imports", __name__, url_prefix="/<lang_code>/moderation")
MAX_UPLOAD = 2 * 1024 * 1024  # as MAX_CONTENT_LENGTH in config.py
TOO_LARGE = _l("This file is larger than 2 MB: import it on the server with flask data import.")
EXTENSIONS = ["csv", "xlsx", "geojson", "json"]
SHOWN_REJECTIONS = 200  # rejected rows listed on the page; the command line lists them all


class ImportForm(FlaskForm):
    """The file, its format, the country of a 3W sheet without P-codes, publish or not."""

    file = FileField(
        _l("File"),
        validators=[
            FileRequired(_l("Choose a file to import.")),
            FileAllowed(EXTENSIONS, _l("Choose a CSV, XLSX or GeoJSON file.")),
            FileSize(MAX_UPLOAD, message=TOO_LARGE),
        ],
        render_kw={"accept": ",".join(f".{extension}" for extension in EXTENSIONS)},
    )
    format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice("3w", _l("OCHA 3W or HXL sheet (CSV or XLSX)")),
            SelectChoice("csv", _l("PeaceMap CSV export")),
            SelectChoice("geojson", _l("PeaceMap GeoJSON export")),
        ],
    )
    country = StringField(_l("Country of the sheet"), validators=[Optional(), Length(max=3)])
    publish = BooleanField(_l("Publish at once, without review"))

    def validate_country(self, field):
        """An ISO 3166 code, two or three letters."""
        if len(field.data.strip()) < 2 or threew.country_code(field.data) is None:
            raise ValidationError(_l("Give an ISO country code such as ML or MLI."))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the request limit: the form again, with the reason next to the field."""
    if not (current_user.is_authenticated and current_user.is_admin):
        return render_error(error)
    form = ImportForm(formdata=None)
    form.file.errors = [TOO_LARGE]
    return render_template("imports/upload.html", form=form, summary=None), 413


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def upload():
    """Import organisations from a file; pending review unless published at once."""
    form = ImportForm()
    summary = None
    if form.validate_on_submit():
        upload = form.file.data
        country = threew.country_code(form.country.data) if form.country.data else None
        try:
            summary = importer.run(
                upload.stream,
                form.format.data,
                publish=form.publish.data,
                actor=current_user,
                country=country,
                name=secure_filename(upload.filename or "") or "upload",
            )
        except importer.ImportFileError as error:
            db.session.rollback()
            form.file.errors.append(_("This file cannot be read: %(reason)s", reason=str(error)))
        else:
            db.session.commit()
            current_app.logger.info("Import by %s: %s", current_user.email, summary.lines()[:6])
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template(
        "imports/upload.html", form=form, summary=summary, shown=SHOWN_REJECTIONS
    ), status
