"""/search (page) and /api/v1/search (JSON): the same service behind both."""

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp

from peacemap.directory.forms import validated_query
from peacemap.directory.services import all_themes
from peacemap.extensions import api_rate_limit, limiter
from peacemap.i18n import country_name, current_language, localized, region_name
from peacemap.models import OrganisationType
from peacemap.search import service

bp = Blueprint("search", __name__, url_prefix="/<lang_code>")
api = Blueprint("search_api", __name__, url_prefix="/api/v1")
limiter.shared_limit(api_rate_limit, scope="api")(api)  # one budget for the whole API


class SearchForm(Form):
    """The query and its filters (GET)."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=10_000)])
    kind = SelectField(
        _l("Show"),
        default="",
        choices=[
            SelectChoice("", _l("Organisations and initiatives")),
            SelectChoice("organisation", _l("Organisations")),
            SelectChoice("initiative", _l("Initiatives")),
        ],
    )
    country = SelectField(
        _l("Country"),
        default="",
        validate_choice=False,
        validators=[Optional(), Regexp(r"^[A-Z]{2}$", message=_l("Not a country code."))],
    )
    region = SelectField(
        _l("Region"), default="", validate_choice=False, validators=[Optional(), Length(max=120)]
    )
    theme = SelectField(
        _l("Theme"), default="", validate_choice=False, validators=[Optional(), Length(max=60)]
    )
    type = SelectField(
        _l("Type"),
        default="",
        choices=[SelectChoice("", _l("All types")), *OrganisationType.choices()],
    )
    verified = SelectField(
        _l("Verification"),
        default="",
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("yes", _l("Verified")),
            SelectChoice("no", _l("Not yet verified")),
        ],
    )
    sort = SelectField(
        _l("Sort by"),
        default="relevance",
        choices=[
            SelectChoice("relevance", _l("Relevance")),
            SelectChoice("name", _l("Name")),
            SelectChoice("updated", _l("Recently updated")),
        ],
    )
    page = IntegerField(_l("Page"), default=1, validators=[Optional(), NumberRange(1, 1000)])

    FILTERS = ("kind", "country", "region", "theme", "type", "verified")

    def filters(self):
        return {name: self[name].data or "" for name in self.FILTERS}


def _run():
    """Validate the query string and search; a refused parameter is a 400."""
    form = validated_query(SearchForm)
    results = service.search(
        form.q.data or "",
        form.filters(),
        page=form.page.data or 1,
        per_page=current_app.config["PAGE_SIZE"],
        sort=form.sort.data or "relevance",
        lang=current_language(),
    )
    return form, results


def _options(form, results):
    """Facet options with counts; a chosen value stays listed even with no result."""
    themes = {theme.slug: localized(theme.labels).text for theme in all_themes()}
    labels = {
        "country": country_name,
        "region": region_name,
        "theme": lambda slug: themes.get(slug, slug),
    }
    for name, label_of in labels.items():
        counts = dict(results.facets.get(name, {}))
        if form[name].data and form[name].data not in counts:
            counts[form[name].data] = 0
        options = sorted(counts.items(), key=lambda item: str(label_of(item[0])).casefold())
        form[name].choices = [SelectChoice("", _("Any"))] + [
            SelectChoice(value, f"{label_of(value)} ({count})") for value, count in options
        ]


@bp.get("/search")
def page():
    """Full-text search with facets."""
    form, results = _run()
    _options(form, results)
    return render_template("search/results.html", form=form, results=results)


@api.get("/search")
def api_search():
    """The same search as JSON."""
    form, results = _run()
    lang = request.args.get("lang") or current_language()
    items = []
    for hit in results.hits:
        record = hit.record
        is_org = hit.kind == "organisation"
        items.append(
            {
                "kind": hit.kind,
                "slug": record.slug,
                "name": record.name if is_org else localized(record.title, lang).text,
                "summary": localized(record.summary, lang, record.language).text,
                "url": url_for(
                    "directory.organisation" if is_org else "directory.initiative",
                    slug=record.slug,
                    lang_code=lang if lang in ("en", "fr", "ar") else "fr",
                    _external=True,
                ),
            }
        )
    return jsonify(
        {
            "query": form.q.data or "",
            "total": results.total,
            "page": results.page,
            "pages": results.pages,
            "items": items,
            "facets": results.facets,
            "suggestion": results.suggestion,
            "degraded": results.degraded,
        }
    )
