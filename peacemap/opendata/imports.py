"""Importing organisations: our own CSV and GeoJSON exports, and OCHA 3W / HXL sheets.

`run()` streams a file, finds each organisation's existing record (our slug first, then its
name, acronym or other names, case and accents ignored) and either proposes the change to
moderators as a pending submission or, with `publish`, applies it at once through the path
an approved submission takes (revision, audit event, search reindex after commit). Each
record is written inside its own SAVEPOINT: a bad one is reported with its line and skipped,
the others are kept. A second run of the same file changes nothing.
"""

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from peacemap import audit, effects, notifications
from peacemap.extensions import db
from peacemap.models import LocationPrecision, Organisation, OrganisationType, SubmissionKind, Theme
from peacemap.moderation.services import _changed
from peacemap.opendata import threew
from peacemap.opendata.columns import (
    ORGANISATION_HXL,
    organisation_payload_from_row,
    public_location_columns,
    split,
)
from peacemap.places.gazetteer import fold
from peacemap.records import apply_organisation, merge_texts, new_organisation, organisation_payload
from peacemap.search import documents
from peacemap.search import service as search
from peacemap.submissions.services import submit

FORMATS = ("csv", "geojson", "3w")
PROGRESS_EVERY = 500  # rows between two progress reports
MIN_KEY = 3  # shorter names and acronyms ("CA", "CG") match too many organisations
REINDEX_BATCH = 500
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HXL_COLUMNS = {re.sub(r"\s+", "", tag.lower()): column for column, tag in ORGANISATION_HXL.items()}
# Fields an export row sets outright on an existing record (texts, places, contacts: see below).
ROW_FIELDS = (
    *("name", "acronym", "alternate_names", "type", "country", "founded_year", "language"),
    *("themes", "member_of", "website", "identifiers"),
)


class ImportFileError(Exception):
    """The file cannot be read at all: missing, not in the format named, no usable header."""


@dataclass
class Rejected:
    """A row (or feature) left out, and why."""

    line: int
    reason: str


@dataclass
class Summary:
    """What an import did; `created` and `updated` are pending submissions unless `publish`."""

    publish: bool
    unit: str = "line"
    rows: int = 0
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0  # matched an existing organisation under another name or acronym
    rejected: list = field(default_factory=list)

    def reject(self, line, reason):
        """Report a row that was left out."""
        self.rejected.append(Rejected(line, reason))

    def lines(self):
        """The summary as the command line prints it."""
        lines = [
            f"{self.rows} {self.unit}s read, {self.records} organisations.",
            f"created: {self.created}",
            f"updated: {self.updated}",
            f"unchanged: {self.unchanged}",
            f"merged: {self.merged} (matched an existing organisation by another name or acronym)",
            f"rejected: {len(self.rejected)}",
            *(f"  {self.unit} {item.line}: {item.reason}" for item in self.rejected),
        ]
        if not self.publish and (self.created or self.updated):
            count = self.created + self.updated
            lines.append(f"Nothing published: {count} submissions wait in the moderation queue.")
        return lines


def _export_rows(handle, reading):
    """(line, row dict) for each row of our CSV export (its HXL tag row skipped)."""
    if threew.is_zip(handle):
        raise ImportFileError("this is a spreadsheet (XLSX): the csv format reads CSV files")
    header, tags, rows = threew.split_header(threew.csv_rows(handle, reading))
    if header is None:
        header = [HXL_COLUMNS.get(re.sub(r"\s+", "", tag.lower()), "") for tag in tags]
    header = [cell.strip() for cell in header]
    if not {"name", "country"} <= set(header):
        raise ImportFileError("not a PeaceMap CSV export: there is no name or country column")
    for line, cells in rows:
        if isinstance(cells, threew.Unreadable):
            yield line, cells
        elif not cells[0].strip().startswith("#"):
            yield line, {key: _unquote(cell) for key, cell in zip(header, cells, strict=False)}


def _unquote(cell):
    """A cell as it was before the export protected it from spreadsheets (a leading
    apostrophe before = + - @, so that they do not run it as a formula)."""
    if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r"):
        return cell[1:]
    return cell


def _property(value):
    """A GeoJSON property as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " | ".join(str(item) for item in value)
    return str(value)


def _geojson_rows(handle, reading):
    """(feature number, row dict) per feature of our GeoJSON export.

    The file is parsed whole (json.load), not streamed: it reads our own exports, which
    are made to be downloaded; the upload page caps files at 2 MB.
    """
    text = io.TextIOWrapper(handle, encoding="utf-8-sig")
    try:
        data = json.load(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFileError(f"not valid GeoJSON: {error}") from error
    finally:
        text.detach()  # the caller closes the file it opened
    collection = isinstance(data, dict) and data.get("type") == "FeatureCollection"
    features = data.get("features") if collection else None
    if not isinstance(features, list):
        raise ImportFileError("not a GeoJSON FeatureCollection")
    reading.total = len(features)
    for number, feature in enumerate(features, start=1):
        reading.done = number
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            yield number, threew.Unreadable("the feature has no properties")
            continue
        row = {key: _property(value) for key, value in properties.items()}
        geometry = feature.get("geometry") or {}
        point = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(point, list) and len(point) >= 2:
            row["longitude"], row["latitude"] = _property(point[0]), _property(point[1])
        yield number, row


# -- comparing and checking payloads ------------------------------------------------------------
def _comparable(payload):
    """A payload with order, empty values and place spellings out of the way."""
    result = {"contacts_public": bool(payload.get("contacts_public"))}
    for key in (*ROW_FIELDS, "summary", "description", "places", "location_precision"):
        value = payload.get(key)
        if key == "places":
            value = sorted(threew.place_key(spec) for spec in value or [])
        elif isinstance(value, list):
            value = sorted(str(item) for item in value)
        elif isinstance(value, dict):
            value = {lang: text for lang, text in value.items() if text}
        result[key] = value if value not in (None, "", [], {}) else None
    for key in ("email", "phone"):
        result[key] = payload.get(key) or None
    return result


def _check(payload):
    """ValueError (the reason) when a payload cannot be stored as it is."""
    if len(payload["name"]) > 300:
        raise ValueError("the name is longer than 300 characters")
    if len(payload.get("acronym") or "") > 40:
        raise ValueError("the acronym is longer than 40 characters")
    for key, kind in (("type", OrganisationType), ("location_precision", LocationPrecision)):
        if payload[key] not in {member.value for member in kind}:
            raise ValueError(f"unknown {key.replace('_', ' ')} {payload[key]!r}")
    year = payload.get("founded_year")
    if year is not None and not 1800 <= year <= 2200:
        raise ValueError(f"founded year {year} is not between 1800 and 2200")
    website = payload.get("website") or ""
    if website and (not re.match(r"https?://", website, re.I) or len(website) > 500):
        raise ValueError("the website must be an http:// or https:// address")
    if len(payload.get("email") or "") > 254 or len(payload.get("phone") or "") > 50:
        raise ValueError("the email or phone is too long")
    if len(payload.get("language") or "") > 5:
        raise ValueError(f"unknown language {payload['language']!r}")
    for identifier in payload.get("identifiers") or []:
        scheme, _, value = identifier.partition(":")
        if not scheme or not value or len(scheme) > 40 or len(value) > 120:
            raise ValueError(f"identifier {identifier!r} is not scheme:value")


def _add_pcodes(payload, row):
    """Give the typed places of an export row their region's P-code (columns regions and
    region_pcodes list them in the same order)."""
    pcodes = dict(zip(split(row.get("regions")), split(row.get("region_pcodes")), strict=False))
    if len(pcodes) != len(split(row.get("regions"))):
        return
    for spec in payload["places"]:
        if not spec.get("geonameid") and spec.get("admin1") in pcodes:
            spec["admin1_pcode"] = pcodes[spec["admin1"]]


def _fill_places(org, payload):
    """Write the region and P-code of typed places onto their Location rows, where missing:
    location_for() keeps the region of a new typed place but not its P-code."""
    specs = {
        (spec["name"], spec["country"]): spec
        for spec in payload.get("places") or []
        if not spec.get("geonameid")
    }
    for location in org.locations:
        spec = specs.get((location.name, location.country))
        if spec and location.geonameid is None:
            location.admin1 = location.admin1 or spec.get("admin1")
            location.admin1_pcode = location.admin1_pcode or spec.get("admin1_pcode")


def _token(payload, target):
    """A form token for an imported proposal: the same proposal always gets the same one."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    target_id = target.id if target is not None else ""
    return "import:" + hashlib.sha256(f"{text}|{target_id}".encode()).hexdigest()[:56]


def _text(value):
    """A cell or a value as stripped text, for comparing them."""
    return "" if value is None else str(value).strip()


def _overlay_row(org, payload, row):
    """An existing organisation as an export row would leave it: its fields replaced, texts
    merged by language, places and contacts replaced only when what the public sees of
    them differs (an export shows no more than that)."""
    current = organisation_payload(org)
    proposed = {**current, **{key: payload[key] for key in ROW_FIELDS}}
    for key in ("summary", "description"):
        proposed[key] = merge_texts(current[key], payload[key])
    shown = public_location_columns(org.locations, org.location_precision, org.country)
    shown["location_precision"] = str(org.location_precision)
    if any(_text(row.get(key)) != _text(value) for key, value in shown.items()):
        proposed["places"] = payload["places"]
        proposed["location_precision"] = payload["location_precision"]
    public = {"email": org.email, "phone": org.phone} if org.contacts_public else {}
    if any(_text(row.get(key)) != _text(public.get(key)) for key in ("email", "phone")):
        for key in ("email", "phone", "contacts_public"):
            proposed[key] = payload[key]
    return proposed


def _overlay_3w(org, payload):
    """What a 3W record adds to an existing organisation: its name as another name, an
    acronym or a type where there was none, themes and regions. Nothing is removed."""
    current = organisation_payload(org)
    proposed = dict(current)
    known = {fold(name) for name in (current["name"], *current["alternate_names"])}
    known.add(fold(current["acronym"] or ""))
    if fold(payload["name"]) not in known:
        proposed["alternate_names"] = [*current["alternate_names"], payload["name"]]
    proposed["acronym"] = current["acronym"] or payload["acronym"]
    if current["type"] == "other":
        proposed["type"] = payload["type"]
    proposed["themes"] = sorted(set(current["themes"]) | set(payload["themes"]))
    have = {threew.place_key(spec) for spec in current["places"]}
    proposed["places"] = current["places"] + [
        spec for spec in payload["places"] if threew.place_key(spec) not in have
    ]
    return proposed


def _savepoint():
    """A SAVEPOINT per record: a bad one is rolled back alone, with its own side effects."""
    return db.session().begin_nested()


def _reason(error):
    """One line saying why the database or a check refused a record."""
    text = str(getattr(error, "orig", None) or error)
    return text.splitlines()[0][:300] if text else type(error).__name__


def _skip_receipt_mail(submission):
    """Unqueue the "new submission" mail to every moderator for an imported proposal: an
    import of a thousand organisations must not send each moderator a thousand mails."""
    effects.take(
        lambda fn, args: fn is notifications.submission_received and args == (submission.id,)
    )


def _reindex_together():
    """Replace the reindexing of one record that each change queued with one index update
    for the whole import: a Whoosh commit costs about 90 ms, so 1,000 records one by one
    took 90 s (bench/import.py)."""
    taken = effects.take(lambda fn, args: fn is search.reindex and args[0] == "organisation")
    ids = {args[1] for _fn, args, _kwargs in taken}
    if ids:
        effects.after_commit(_reindex_organisations, sorted(ids))


def _reindex_organisations(ids):
    """Put these organisations in the search index as they now are (runs after commit)."""
    index = search.backend()
    if not index.exists():
        return
    for start in range(0, len(ids), REINDEX_BATCH):
        batch = ids[start : start + REINDEX_BATCH]
        found = {record.id: record for record in documents.published("organisation", batch)}
        index.update(
            documents=[documents.document("organisation", found[i]) for i in batch if i in found],
            remove=[documents.doc_id("organisation", i) for i in batch if i not in found],
        )


# -- matching and writing -----------------------------------------------------------------------
class _Importer:
    """Matches records with the database and writes them; one per import."""

    def __init__(self, summary, publish, actor, source_name):
        """Load what matching needs: every organisation's slug, names and acronym."""
        self.summary = summary
        self.publish = publish
        self.actor = actor
        self.note = f"Imported from {source_name}"[:500]
        self.submitter = {
            "name": f"Data import: {source_name}"[:200],
            "role": getattr(actor, "email", None) or "command line",
        }
        self.themes = set(db.session.scalars(select(Theme.slug)))
        self.slugs, self.names, self.acronyms, self.keys = {}, {}, {}, {}
        self.file_slugs = {}  # slug in the file -> slug of the record it became
        self.memberships = []  # (organisation id, line, network slugs not known yet)
        columns = (Organisation.id, Organisation.slug, Organisation.name, Organisation.acronym)
        stmt = select(*columns, Organisation.alternate_names).order_by(Organisation.id)
        for row in db.session.execute(stmt):
            self._remember(*row)

    def _remember(self, org_id, slug, name, acronym, alternate_names):
        """Make an organisation findable by its slug, names and acronym."""
        self.slugs[slug] = org_id
        for index, keys in (
            (self.names, [name]),
            (self.acronyms, [acronym]),
            (self.keys, [name, acronym, *(alternate_names or [])]),
        ):
            for key in {fold(text or "") for text in keys}:
                if len(key) >= MIN_KEY:
                    index.setdefault(key, []).append(org_id)

    def find(self, payload, slug=None):
        """(existing organisation or None, merged): by slug, then same name, then same
        acronym, then any of name, acronym and other names on either side."""
        name = fold(payload["name"])
        org_id = self.slugs.get(slug) if slug else None
        if org_id is None:
            acronym = fold(payload.get("acronym") or "")
            others = [fold(text) for text in payload.get("alternate_names") or []]
            lookups = [(self.names, name), (self.acronyms, acronym)]
            lookups += [(self.keys, key) for key in (name, acronym, *others)]
            org_id = next(
                (index[key][0] for index, key in lookups if len(key) >= MIN_KEY and key in index),
                None,
            )
        if org_id is None:
            return None, False
        org = db.session.get(Organisation, org_id)
        return org, fold(org.name) != name

    def export_row(self, line, row):
        """Import one row of our CSV or GeoJSON export."""
        try:
            payload = organisation_payload_from_row(row)
            _add_pcodes(payload, row)
            _check(payload)
        except (ValueError, TypeError) as error:
            self.summary.reject(line, str(error))
            return
        payload["themes"] = [slug for slug in payload["themes"] if slug in self.themes]
        wanted = [self.file_slugs.get(slug, slug) for slug in payload["member_of"]]
        payload["member_of"] = [slug for slug in wanted if slug in self.slugs]
        slug = _text(row.get("slug"))
        org, merged = self.find(payload, slug)
        proposed = payload if org is None else _overlay_row(org, payload, row)
        record = self.write(line, org, proposed, merged, slug)
        if record is not None and slug:
            self.file_slugs[slug] = record.slug
        later = [slug for slug in wanted if slug not in self.slugs]
        if record is not None and later and self.publish:
            self.memberships.append((record.id, line, later))

    def link_networks(self):
        """Make members of networks that came later in the file than they did."""
        for org_id, line, slugs in self.memberships:
            found = [self.file_slugs[slug] for slug in slugs if slug in self.file_slugs]
            org = db.session.get(Organisation, org_id)
            if found and org is not None:
                current = organisation_payload(org)
                member_of = sorted({*current["member_of"], *found})
                self.write(line, org, {**current, "member_of": member_of}, count=False)

    def threew_record(self, line, payload):
        """Import one organisation aggregated from a 3W sheet."""
        try:
            _check(payload)
        except ValueError as error:
            self.summary.reject(line, str(error))
            return
        org, merged = self.find(payload)
        proposed = payload if org is None else _overlay_3w(org, payload)
        self.write(line, org, proposed, merged)

    def write(self, line, org, proposed, merged=False, file_slug=None, count=True):
        """Create, update or propose one record in its own SAVEPOINT; returns the record
        (None when rejected or only proposed)."""
        try:
            with _savepoint():
                outcome, record = self._write(org, proposed, file_slug)
        except (ValueError, LookupError, SQLAlchemyError) as error:
            self.summary.reject(line, _reason(error))
            return None
        if count:
            self.summary.records += 1
            setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
            self.summary.merged += bool(merged)
        if record is not None:
            self._remember(
                record.id, record.slug, record.name, record.acronym, record.alternate_names
            )
        return record

    def _write(self, org, proposed, file_slug):
        """(outcome, record): "created", "updated" or "unchanged", and the record if any."""
        if org is None:
            if not self.publish:
                created = self._propose(SubmissionKind.NEW_ORGANISATION, proposed, None)
                return ("created" if created else "unchanged"), None
            record = new_organisation(proposed)
            if file_slug and SLUG.fullmatch(file_slug) and file_slug not in self.slugs:
                record.slug = file_slug  # our own export: keep its address
            _fill_places(record, proposed)
            db.session.flush()
            _changed(record, self.actor, "created", None, note=self.note)
            return "created", record
        if _comparable(organisation_payload(org)) == _comparable(proposed):
            return "unchanged", org
        if not self.publish:
            created = self._propose(SubmissionKind.CORRECTION, proposed, org)
            return ("updated" if created else "unchanged"), org
        before = audit.snapshot(org)
        apply_organisation(org, proposed)
        _fill_places(org, proposed)
        _changed(org, self.actor, "updated", before, note=self.note)
        return "updated", org

    def _propose(self, kind, payload, target):
        """A pending submission for moderators; False when this import made it before."""
        submission, created = submit(
            kind,
            payload,
            form_token=_token(payload, target),
            submitter=self.submitter,
            target=target,
        )
        if created:
            _skip_receipt_mail(submission)
        return created


# -- the import ---------------------------------------------------------------------------------
def run(source, fmt, *, publish=False, actor=None, country=None, name=None, progress=None):
    """Import `source` (a path, or a binary file object with `name`) in `fmt`.

    Flushes, never commits. `country` (ISO alpha-2) overrides what 3W rows say;
    `progress(label, done, total)` is called now and then. Returns a Summary; raises
    ImportFileError only when the file cannot be read at all.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    report = progress or (lambda label, done, total: None)
    if hasattr(source, "read"):
        handle, owned = source, False
    else:
        try:
            handle, owned = open(source, "rb"), True  # noqa: SIM115 (closed below)
        except OSError as error:
            raise ImportFileError(f"cannot open {source}: {error.strerror}") from error
        name = name or Path(source).name
    summary = Summary(publish=publish, unit="feature" if fmt == "geojson" else "line")
    importer = _Importer(summary, publish, actor, name or "upload")
    reading = threew.Reading()
    try:
        if fmt == "3w":
            _import_3w(handle, importer, reading, country, report)
        else:
            rows = (_geojson_rows if fmt == "geojson" else _export_rows)(handle, reading)
            for line, row in rows:
                summary.rows += 1
                if isinstance(row, threew.Unreadable):
                    summary.reject(line, row.reason)
                else:
                    importer.export_row(line, row)
                if summary.rows % PROGRESS_EVERY == 0:
                    report("Importing", reading.done, reading.total)
            report("Importing", reading.total, reading.total)
            importer.link_networks()
        _reindex_together()
    except threew.SheetError as error:
        raise ImportFileError(str(error)) from error
    finally:
        if owned:
            handle.close()
    return summary


def _import_3w(handle, importer, reading, country, report):
    """Read a 3W sheet (CSV or XLSX) into one record per organisation, then write them."""
    summary = importer.summary
    read = threew.xlsx_rows if threew.is_zip(handle) else threew.csv_rows
    header, tags, rows = threew.split_header(read(handle, reading))
    columns = threew.organisation_columns(header, tags)
    if not columns:
        raise ImportFileError(
            "no organisation column: expected an HXL tag such as #org or a header such as "
            "Organisation"
        )
    aggregator = threew.Aggregator(columns, importer.themes, country)
    for line, cells in rows:
        summary.rows += 1
        try:
            if isinstance(cells, threew.Unreadable):
                raise ValueError(cells.reason)
            aggregator.add(line, cells)
        except ValueError as error:
            summary.reject(line, str(error))
        if summary.rows % PROGRESS_EVERY == 0:
            report("Reading", reading.done, reading.total)
    report("Reading", reading.total, reading.total)
    total = len(aggregator.organisations)
    for number, (line, payload) in enumerate(aggregator.records(), start=1):
        importer.threew_record(line, payload)
        if number % 50 == 0 or number == total:
            report("Importing", number, total)
    summary.rejected.sort(key=lambda item: item.line)
