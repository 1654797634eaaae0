"""Importing organisations: our own CSV and GeoJSON exports, and OCHA 3W / HXL sheets.

`run()` streams a file, finds each organisation's existing record (our slug first, then its
name, acronym or other names, case and accents ignored) and either proposes the change to
moderators as a pending submission or, with `publish`, applies it at once through the path
an approved submission takes (revision, audit event, search reindex after commit). Each
record is written inside its own SAVEPOINT: a bad one is reported with its line and skipped,
the others are kept. A second run of the same file changes nothing.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from peacemap import audit, effects, notifications
from peacemap.exports.columns import (
    ORGANISATION_HXL,
    organisation_payload_from_row,
)
from peacemap.extensions import db
from peacemap.imports import readers, threew
from peacemap.imports.merging import (
    add_pcodes,
    check,
    comparable,
    fill_places,
    overlay_3w,
    overlay_row,
    token,
)
from peacemap.imports.merging import text as cell_text
from peacemap.imports.readers import ImportFileError, export_rows, geojson_rows
from peacemap.imports.report import rejected_lines, unknown_lines
from peacemap.models import Organisation, OwnerConsent, SubmissionKind, Theme
from peacemap.moderation.services import record_change
from peacemap.owners import services as owners
from peacemap.places.gazetteer import fold
from peacemap.records import apply_organisation, new_organisation, organisation_payload
from peacemap.search import service as search
from peacemap.submissions.services import submit

FORMATS = ("csv", "geojson", "3w")
PROGRESS_EVERY = 500  # rows between two progress reports
MIN_KEY = 3  # shorter names and acronyms ("CA", "CG") match too many organisations
REINDEX_BATCH = 500
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HXL_COLUMNS = {re.sub(r"\s+", "", tag.lower()): column for column, tag in ORGANISATION_HXL.items()}
# Fields an export row sets outright on an existing record (texts, places, contacts: see below).


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
    unknown_types: dict = field(default_factory=dict)  # 3W type cells no table knows: rows
    unknown_sectors: dict = field(default_factory=dict)  # 3W sector cells likewise

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
            *rejected_lines(self.rejected, self.unit),
            *unknown_lines(self),
        ]
        if not self.publish and (self.created or self.updated):
            count = self.created + self.updated
            lines.append(f"Nothing published: {count} submissions wait in the moderation queue.")
        return lines


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
    for the whole import (bench/import.py)."""
    taken = effects.take(lambda fn, args: fn is search.reindex and args[0] == "organisation")
    ids = {args[1] for _fn, args, _kwargs in taken}
    if ids:
        effects.after_commit(search.reindex_many, "organisation", sorted(ids), REINDEX_BATCH)


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
            add_pcodes(payload, row)
            check(payload)
        except (ValueError, TypeError) as error:
            self.summary.reject(line, str(error))
            return
        payload["themes"] = [slug for slug in payload["themes"] if slug in self.themes]
        wanted = [self.file_slugs.get(slug, slug) for slug in payload["member_of"]]
        payload["member_of"] = [slug for slug in wanted if slug in self.slugs]
        slug = cell_text(row.get("slug"))
        org, merged = self.find(payload, slug)
        proposed = payload if org is None else overlay_row(org, payload, row)
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
            check(payload)
        except ValueError as error:
            self.summary.reject(line, str(error))
            return
        org, merged = self.find(payload)
        proposed = payload if org is None else overlay_3w(org, payload)
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
            if owners.on_do_not_list(proposed):
                raise ValueError("this organisation asked not to be listed (do-not-list register)")
            if not self.publish:
                created = self._propose(SubmissionKind.NEW_ORGANISATION, proposed, None)
                return ("created" if created else "unchanged"), None
            record = new_organisation(proposed)
            if file_slug and SLUG.fullmatch(file_slug) and file_slug not in self.slugs:
                record.slug = file_slug  # our own export: keep its address
            fill_places(record, proposed)
            # An import publishes data already public (an OCHA sheet, our own export).
            record.owner_consent = OwnerConsent.PUBLIC_SOURCES
            record.consent_note = self.note or "imported from a public data file"
            db.session.flush()
            record_change(record, self.actor, "created", None, note=self.note)
            return "created", record
        if comparable(organisation_payload(org)) == comparable(proposed):
            return "unchanged", org
        if not self.publish:
            created = self._propose(SubmissionKind.CORRECTION, proposed, org)
            return ("updated" if created else "unchanged"), org
        before = audit.snapshot(org)
        apply_organisation(org, proposed)
        fill_places(org, proposed)
        record_change(org, self.actor, "updated", before, note=self.note)
        return "updated", org

    def _propose(self, kind, payload, target):
        """A pending submission for moderators; False when this import made it before."""
        submission, created = submit(
            kind,
            payload,
            form_token=token(payload, target),
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
    reading = readers.Reading()
    try:
        if fmt == "3w":
            _import_3w(handle, importer, reading, country, report)
        else:
            rows = (geojson_rows if fmt == "geojson" else export_rows)(handle, reading)
            for line, row in rows:
                summary.rows += 1
                if isinstance(row, readers.Unreadable):
                    summary.reject(line, row.reason)
                else:
                    importer.export_row(line, row)
                if summary.rows % PROGRESS_EVERY == 0:
                    report("Importing", reading.done, reading.total)
            report("Importing", reading.total, reading.total)
            if not summary.rows:
                raise ImportFileError(f"the file has no data {summary.unit}s, only a header")
            importer.link_networks()
        _reindex_together()
    except readers.SheetError as error:
        raise ImportFileError(str(error)) from error
    finally:
        if owned:
            handle.close()
    return summary


def _import_3w(handle, importer, reading, country, report):
    """Read a 3W sheet (CSV or XLSX) into one record per organisation, then write them."""
    summary = importer.summary
    if readers.is_zip(handle):
        sheet = readers.xlsx_rows(handle, reading, wanted=threew.organisation_columns)
    else:
        sheet = readers.csv_rows(handle, reading)
    header, tags, rows = readers.split_header(sheet)
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
            if isinstance(cells, readers.Unreadable):
                raise ValueError(cells.reason)
            aggregator.add(line, cells)
        except ValueError as error:
            summary.reject(line, str(error))
        if summary.rows % PROGRESS_EVERY == 0:
            report("Reading", reading.done, reading.total)
    report("Reading", reading.total, reading.total)
    if not summary.rows:
        raise ImportFileError("the sheet has no data rows, only its header")
    summary.unknown_types = dict(aggregator.unknown_types.most_common())
    summary.unknown_sectors = dict(aggregator.unknown_sectors.most_common())
    total = len(aggregator.organisations)
    for number, (line, payload) in enumerate(aggregator.records(), start=1):
        importer.threew_record(line, payload)
        if number % 50 == 0 or number == total:
            report("Importing", number, total)
    summary.rejected.sort(key=lambda item: item.line)
