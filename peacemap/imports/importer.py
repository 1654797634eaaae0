"""Importing organisations: our own CSV and GeoJSON exports, and OCHA 3W / HXL sheets.

`run()` streams a file, groups the spellings of one organisation a 3W sheet gives
(grouping.py), finds each organisation's existing record (our slug first, then one of its
names, then its acronym with a similar name: merging.Matcher; an acronym alone is a possible
duplicate, kept apart) and either proposes the change to moderators as a pending submission
or, with `publish`, applies it at once through the path an approved submission takes
(revision, audit event, search reindex after commit) and closes the proposals earlier imports
left pending about it (pending.py). Each record is written inside its own SAVEPOINT: a bad one
is reported with its line and skipped, the others are kept. A second run of the same file
changes nothing. The summary names every merge, grouping and possible duplicate.
"""

import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from peacemap import audit, effects, notifications
from peacemap.exports.columns import (
    ORGANISATION_HXL,
    organisation_payload_from_row,
)
from peacemap.extensions import db
from peacemap.imports import grouping, readers, threew
from peacemap.imports.grouping import Note
from peacemap.imports.merging import (
    Matcher,
    add_pcodes,
    check,
    comparable,
    fill_places,
    overlay_3w,
    overlay_row,
    token,
)
from peacemap.imports.merging import text as cell_text
from peacemap.imports.pending import PendingImports, possible_duplicate
from peacemap.imports.readers import ImportFileError, export_rows, geojson_rows
from peacemap.imports.summary import Summary
from peacemap.models import Organisation, OwnerConsent, SubmissionKind, Theme
from peacemap.moderation.services import record_change
from peacemap.owners import services as owners
from peacemap.records import apply_organisation, new_organisation, organisation_payload
from peacemap.search import service as search
from peacemap.submissions.services import submit

FORMATS = ("csv", "geojson", "3w")
PROGRESS_EVERY = 500  # rows between two progress reports
REINDEX_BATCH = 500
SHOWN_POSSIBLE = 5  # records a possible-duplicate report names at most
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HXL_COLUMNS = {re.sub(r"\s+", "", tag.lower()): column for column, tag in ORGANISATION_HXL.items()}
# Fields an export row sets outright on an existing record (texts, places, contacts: see below).


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

    def __init__(self, summary, publish, actor, source_name, third_party=False, wider=None):
        """Load what matching needs: every organisation's slug, names and acronym.

        `third_party`: the file is someone else's listing of the organisations (a 3W sheet),
        so a record it creates is shown at the protective choices until the organisation
        confirms, unless `wider` gives the reason its precision may stay (see `run`)."""
        self.summary = summary
        self.publish = publish
        self.actor = actor
        self.third_party = third_party
        self.wider_reason = wider
        self.note = f"Imported from {source_name}"[:500]
        self.submitter = {
            "name": f"Data import: {source_name}"[:200],
            "role": getattr(actor, "email", None) or "command line",
        }
        self.themes = set(db.session.scalars(select(Theme.slug)))
        self.matcher = Matcher()
        self.slugs = self.matcher.slugs
        self.lines = {}  # organisation id -> the line of this file that made or matched it
        self.told = set()  # pairs of lines or names already reported as possible duplicates
        self.file_slugs = {}  # slug in the file -> slug of the record it became
        self.memberships = []  # (organisation id, line, network slugs not known yet)
        self.pending = PendingImports(actor, self.note) if publish else None
        columns = (Organisation.id, Organisation.slug, Organisation.name, Organisation.acronym)
        stmt = select(*columns, Organisation.alternate_names).order_by(Organisation.id)
        for row in db.session.execute(stmt):
            self.matcher.remember(*row)

    def find(self, line, payload, slug=None):
        """(existing organisation or None, merge note or None, possible duplicates)."""
        match = self.matcher.find(payload, slug)
        if match.org_id is None:
            # Kept apart: the summary names the first record it may duplicate (once per
            # pair), the moderators' report up to SHOWN_POSSIBLE of them.
            possible = [db.session.get(Organisation, i) for i in match.possible[:SHOWN_POSSIBLE]]
            for other in possible[:1]:
                pair = frozenset((line, self.lines.get(other.id) or other.name))
                if pair not in self.told:
                    self.told.add(pair)
                    where = self.lines.get(other.id)
                    reason = "same acronym, names differ"
                    self.summary.possible.append(
                        Note(line, payload["name"], where, other.name, reason)
                    )
            return None, None, possible
        org = db.session.get(Organisation, match.org_id)
        merged = None
        if " ".join(org.name.split()) != " ".join(payload["name"].split()):
            reason = match.reason
            merged = Note(line, payload["name"], self.lines.get(org.id), org.name, reason)
        return org, merged, []

    def tell(self, note):
        """Record a note of the file's grouping pass (grouped, or a possible duplicate)."""
        if note.grouped:
            self.summary.grouped.append(note)
        else:
            self.told.add(frozenset((note.line, note.other_line)))
            self.told.add(frozenset((note.line, note.other_name)))
            self.summary.possible.append(note)

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
        org, merged, possible = self.find(line, payload, slug)
        proposed = payload if org is None else overlay_row(org, payload, row)
        record = self.write(line, org, proposed, merged, slug, possible=possible)
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
        org, merged, possible = self.find(line, payload)
        proposed = payload if org is None else overlay_3w(org, payload)
        self.write(line, org, proposed, merged, possible=possible)

    def write(self, line, org, proposed, merged=None, file_slug=None, count=True, possible=()):
        """Create, update or propose one record in its own SAVEPOINT; returns the record
        (None when rejected or only proposed). `possible`: records it may duplicate."""
        try:
            with _savepoint():
                outcome, record = self._write(org, proposed, file_slug)
                if record is not None and org is None and possible:
                    self._tell_moderators(line, record, possible)
        except (ValueError, LookupError, SQLAlchemyError) as error:
            self.summary.reject(line, _reason(error))
            return None
        if count:
            self.summary.records += 1
            setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
            self.summary.merged += merged is not None
            if merged is not None:
                self.summary.merges.append(merged)
        if record is not None:
            self.lines.setdefault(record.id, line)
            self.matcher.remember(
                record.id, record.slug, record.name, record.acronym, record.alternate_names
            )
            if self.pending is not None:
                done = self.pending.resolve(record, line)
                self.summary.superseded += [(line, submission.id) for submission in done]
        return record

    def _tell_moderators(self, line, record, possible):
        """A report in the queue: this record shares an acronym with others, names differ."""
        others = ", ".join(f'"{other.name}"' for other in possible)
        message = (
            f'{self.note}, line {line}: "{record.name}" ({record.acronym or "-"}) was kept '
            f"apart from {others}: same acronym, names differ. Merge them if they are one "
            "organisation."
        )
        submission, created = possible_duplicate(record, possible, message, self.submitter)
        if created:
            _skip_receipt_mail(submission)

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
            db.session.flush()
            if self.third_party:
                owners.listed_by_import(record, self.actor, self.wider_reason)
                self.summary.protective += not self.wider_reason
            else:
                # Our own export shows no more than its organisations (or moderators) let
                # the public see.
                record.owner_consent = OwnerConsent.PUBLIC_SOURCES
                record.consent_note = self.note or "imported from a public data file"
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
def run(
    source,
    fmt,
    *,
    publish=False,
    actor=None,
    country=None,
    name=None,
    progress=None,
    precision=None,
    reason=None,
):
    """Import `source` (a path, or a binary file object with `name`) in `fmt`.

    Flushes, never commits. `country` (ISO alpha-2) overrides what 3W rows say;
    `progress(label, done, total)` is called now and then. Returns a Summary; raises
    ImportFileError only when the file cannot be read at all.

    A 3W sheet is a third party's listing: the organisations it creates are shown at the
    protective choices until they confirm (peacemap/public/consent.py). An admin publishing
    it may keep them shown by region (`precision="region"`, as the sheet itself shows them)
    by giving the `reason`, kept with each record as a moderator's would be.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    wider = threew.precision_reason(fmt, publish, precision, reason)
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
    importer = _Importer(
        summary, publish, actor, name or "upload", third_party=fmt == "3w", wider=wider
    )
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
    kept, alternates, notes = grouping.group_variants(aggregator.organisations.values())
    for note in notes:
        importer.tell(note)
    kept = {id(org) for org in kept}
    aggregator.organisations = {
        key: org for key, org in aggregator.organisations.items() if id(org) in kept
    }
    others = {org.line: alternates.get(id(org), []) for org in aggregator.organisations.values()}
    total = len(aggregator.organisations)
    for number, (line, payload) in enumerate(aggregator.records(), start=1):
        payload["alternate_names"] = [*payload.get("alternate_names", []), *others.get(line, [])]
        importer.threew_record(line, payload)
        if number % 50 == 0 or number == total:
            report("Importing", number, total)
    summary.rejected.sort(key=lambda item: item.line)
