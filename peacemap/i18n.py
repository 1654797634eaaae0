"""Languages: the /<lang>/ URL prefix, locale selection, text direction, localized content."""

from dataclasses import dataclass
from functools import cache

import pyuca
from babel import Locale
from babel.lists import format_list
from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.http import dump_cookie

from peacemap.config import RTL_LANGUAGES
from peacemap.extensions import babel

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}
LANGUAGE_COOKIE = "lang"


def language_cookie(lang, secure):
    """The Set-Cookie value that remembers `lang` for a year (also used by pagecache.py)."""
    return dump_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=secure,
    )


def select_locale():
    """The page's language: the URL prefix, else `?lang=` (API), else the browser's choice."""
    languages = current_app.config["LANGUAGES"]
    lang = g.get("lang_code") or request.args.get("lang")
    if lang in languages:
        return lang
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language():
    """The two-letter code of the language being rendered."""
    return str(get_locale().language)


@dataclass(frozen=True)
class LocalizedText:
    """A text picked from a per-language dict, with the language it is actually in."""

    text: str
    lang: str

    def __bool__(self):
        return bool(self.text)

    def __str__(self):
        return self.text


def localized(texts, lang=None, original=None):
    """Pick the text for `lang`, falling back to the original language, French, then any."""
    texts = texts or {}
    lang = lang or current_language()
    for candidate in (lang, original, "fr", "en", *texts):
        if candidate and texts.get(candidate):
            return LocalizedText(texts[candidate], candidate)
    return LocalizedText("", lang)


def direction_of(lang):
    """The writing direction of a language: "rtl" or "ltr"."""
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


def language_name(code, lang=None):
    """A language's name in the page's language ("French", "français", "الفرنسية")."""
    return Locale.parse(lang or current_language()).languages.get(code, code)


def region_name(name, lang=None):
    """A region's name in the page's language (Tombouctou, Timbuktu, تمبكتو)."""
    from peacemap.places.regions import localised as translate

    return translate(name, lang or current_language()) if name else ""


def country_name(code, lang=None):
    """The country's name in the page's language, from Babel's CLDR data."""
    if not code:
        return ""
    territories = Locale.parse(lang or current_language()).territories
    return territories.get(code.upper(), code.upper())


@cache
def _collator():
    return pyuca.Collator()  # reads the Unicode collation table once (about 0.3 s)


def collation_key(text):
    """A sort key putting names in the order readers expect: Bénin before Burundi, Sénégal
    before Suède, Arabic in Arabic order (the Unicode Collation Algorithm's default table,
    which CLDR's French, English and Arabic orders leave as it is for names)."""
    return _collator().sort_key(text)


def join_list(items, lang=None):
    """Items joined as the page's language lists them ("A, B et C", "A وB وC"), by CLDR."""
    return format_list([str(item) for item in items if item], locale=lang or current_language())


def plural_examples(lang=None):
    """[(CLDR plural category, a number in it)] of the page's language ("one": 1, "few": 3
    ...): a page renders a count's message once per category for its scripts to choose from
    with Intl.PluralRules, which names the same categories."""
    return _plural_examples(lang or current_language())


@cache
def _plural_examples(lang):
    rule = Locale.parse(lang).plural_form
    examples = {}
    for number in (*range(0, 1001), 1_000_000):
        examples.setdefault(rule(number), number)
    return tuple(examples.items())


def join_place(*parts):
    """A place with the areas it is in, smallest first ("Bamako، مالي"): the separator comes
    from the catalogue, not a Latin comma in every language. Empty parts are left out."""
    parts = [str(part) for part in parts if part]
    label = parts[-1] if parts else ""
    for part in reversed(parts[:-1]):
        label = _("%(place)s, %(area)s", place=part, area=label)
    return label


def init_app(app):
    """Route /<lang_code>/..., pick the locale from it and expose helpers to templates."""
    babel.init_app(app, locale_selector=select_locale)

    @app.url_value_preprocessor
    def pull_lang_code(endpoint, values):
        if values and "lang_code" in values:
            g.lang_code = values.pop("lang_code")

    @app.url_defaults
    def add_lang_code(endpoint, values):
        if "lang_code" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            return
        values["lang_code"] = g.get("lang_code") or current_language()

    @app.before_request
    def check_lang_code():
        if "lang_code" in g and g.lang_code not in app.config["LANGUAGES"]:
            g.pop("lang_code")
            abort(404)

    @app.get("/")
    def root():
        """Send the visitor home in the language they last chose, else the browser's."""
        languages = app.config["LANGUAGES"]
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        lang = chosen if chosen in languages else request.accept_languages.best_match(languages)
        return redirect(url_for("directory.home", lang_code=lang or "fr"))

    @app.after_request
    def remember_language(response):
        """Remember the language of the pages a visitor reads, for their next visit to /."""
        lang = g.get("lang_code")
        if lang in app.config["LANGUAGES"] and request.cookies.get(LANGUAGE_COOKIE) != lang:
            secure = app.config.get("SESSION_COOKIE_SECURE", False)
            response.headers.add("Set-Cookie", language_cookie(lang, secure))
        return response

    @app.context_processor
    def language_context():
        lang = current_language()
        return {
            "lang": lang,
            "text_direction": direction_of(lang),
            "languages": LANGUAGE_NAMES,
            "localized": localized,
            "country_name": country_name,
            "language_name": language_name,
            "region_name": region_name,
            "join_list": join_list,
            "join_place": join_place,
            "plural_examples": plural_examples,
            "url_in_language": url_in_language,
            "url_with": url_with,
            "direction_of": direction_of,
        }


def query_args():
    """The query string as url_for arguments, without names url_for would take as options
    (`_external`, `_scheme`, ...) or that would replace the page's own path arguments."""
    reserved = set(request.view_args or {}) | {"lang_code"}
    return {
        key: value
        for key, value in request.args.items()
        if not key.startswith("_") and key not in reserved
    }


def url_in_language(lang):
    """This page's URL in another language (same endpoint, arguments and query)."""
    if request.endpoint and current_app.url_map.is_endpoint_expecting(
        request.endpoint, "lang_code"
    ):
        return url_for(
            request.endpoint, **(request.view_args or {}), **query_args(), lang_code=lang
        )
    return url_for("directory.home", lang_code=lang)


def url_with(**changes):
    """This page's URL with some query arguments changed (for pagers and filter links)."""
    return url_for(request.endpoint, **(request.view_args or {}), **{**query_args(), **changes})
