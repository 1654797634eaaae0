"""Reading import files row by row: CSV (any common encoding and delimiter), XLSX and our own
GeoJSON exports. Each reader yields (line or feature number, row) and never holds the whole
file, except GeoJSON, which only ever comes from our own (bounded) exports."""

import csv
import io
import itertools
import json
import re
import xml.parsers.expat
import zipfile
from dataclasses import dataclass

from openpyxl.utils.exceptions import InvalidFileException

from peacemap.exports.columns import ORGANISATION_HXL
from peacemap.imports import xlsx


class ImportFileError(Exception):
    """The file cannot be read at all: missing, not in the format named, no usable header."""


HXL_COLUMNS = {re.sub(r"\s+", "", tag.lower()): column for column, tag in ORGANISATION_HXL.items()}


# -- reading sheets: CSV or XLSX, header row, HXL tag row ---------------------------------------
class SheetError(Exception):
    """The sheet cannot be read at all."""


@dataclass
class Reading:
    """How far a reader is through its file (bytes, rows or features), for progress bars."""

    total: int = 0
    done: int = 0


@dataclass
class Unreadable:
    """A record the reader could not parse at all, and why."""

    reason: str


def is_zip(handle):
    """True for an XLSX file (a zip), whatever its name."""
    start = handle.read(4)
    handle.seek(0)
    return start == b"PK\x03\x04"


# Files that are no CSV, by their first bytes, and what to do with them.
NOT_CSV = {
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls): save it as .xlsx or CSV first",
    b"%PDF": "a PDF document, not a spreadsheet",
}


def _utf16_without_bom(sample):
    """The encoding ("utf-16-le" or "utf-16-be") when the sample looks like UTF-16 without a
    byte order mark (most characters of a sheet are ASCII: every other byte is zero)."""
    sample = sample[: len(sample) // 2 * 2][:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if even > 3 * odd:
        return "utf-16-be"
    if odd > 3 * even:
        return "utf-16-le"
    return None


def _sniff(handle):
    """(encoding, delimiter): UTF-16 by BOM or by its zero bytes, UTF-8, Windows-1252 when
    not UTF-8 (as Excel saves CSV in French), and the most frequent of , ; tab on the
    first line. SheetError when the file is no text at all."""
    sample = handle.read(65536)
    handle.seek(0)
    for start, what in NOT_CSV.items():
        if sample.startswith(start):
            raise SheetError(f"this file is {what}")
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif _utf16_without_bom(sample):
        encoding = _utf16_without_bom(sample)
    elif b"\x00" in sample:
        raise SheetError(
            "cannot decode this file: it holds zero bytes, as no CSV text does (save it again "
            "as CSV UTF-8)"
        )
    else:
        encoding = "utf-8-sig"
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(sample) - 3:  # not merely a character cut by the sample
                encoding = "cp1252"
    first = (sample.decode(encoding, errors="replace").splitlines() or [""])[0]
    return encoding, max(",;\t", key=first.count)


def csv_rows(handle, reading):
    """(line, cells) per CSV record, `line` being where the record starts in the file."""
    encoding, delimiter = _sniff(handle)
    reading.total = handle.seek(0, 2)
    handle.seek(0)
    text = io.TextIOWrapper(handle, encoding=encoding, errors="replace", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                cells = Unreadable(f"unreadable CSV: {error}")
            reading.done = handle.tell()
            yield line, cells
    finally:
        if not handle.closed:  # left early: the caller may close the file first
            text.detach()  # the caller closes the file it opened


def xlsx_rows(handle, reading, wanted=lambda header, tags: True):
    """(row number, cells) of the first worksheet whose header and HXL tags are `wanted`,
    streamed (peacemap/imports/xlsx.py); a formula cell without a saved value comes as a
    FormulaCell."""
    try:
        book = xlsx.open_workbook(handle)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise SheetError(f"not a readable XLSX file: {error}") from error
    try:
        for _name, path in book.sheets:
            first = list(itertools.islice(_xlsx_rows(book, path), 2))
            if first and wanted(*split_header(first)[:2]):
                break
        else:
            raise SheetError("no worksheet has the columns looked for")
        yield from _xlsx_rows(book, path, reading)
    finally:
        book.close()


def _xlsx_rows(book, path, reading=None):
    """A worksheet's rows; SheetError when its XML is broken."""
    try:
        yield from xlsx.sheet_rows(book, path, reading)
    except (xml.parsers.expat.ExpatError, KeyError, IndexError, ValueError) as error:
        raise SheetError(f"not a readable XLSX sheet: {error}") from error


def filled(rows):
    """The rows with something in them (blank lines dropped)."""
    for line, cells in rows:
        if isinstance(cells, Unreadable) or any(cell.strip() for cell in cells):
            yield line, cells


# -- a sheet's layout: a header row, an HXL tag row (hxlstandard.org), or both ----------------
def is_tag_row(cells):
    """True for an HXL hashtag row: its first filled cell and most others start with '#'."""
    filled = [cell.strip() for cell in cells if cell and cell.strip()]
    tagged = [cell for cell in filled if cell.startswith("#")]
    return bool(filled) and filled[0].startswith("#") and 2 * len(tagged) >= len(filled)


def parse_tag(cell):
    """('#org', {'acronym'}) from '#org +acronym' (case and spaces ignored), or None."""
    text = re.sub(r"\s+", "", (cell or "").lower())
    if not text.startswith("#"):
        return None
    tag, *attributes = text.split("+")
    return tag, frozenset(a for a in attributes if a)


def split_header(rows):
    """(header, HXL tags, data rows) of a sheet: a header row, a tag row, or both in turn."""
    rows = filled(rows)
    first = next(rows, None)
    if first is None or isinstance(first[1], Unreadable):
        raise SheetError("the file is empty or its first row cannot be read")
    if is_tag_row(first[1]):
        return None, first[1], rows
    second = next(rows, None)
    if second is None:
        return first[1], None, rows
    if not isinstance(second[1], Unreadable) and is_tag_row(second[1]):
        return first[1], second[1], rows
    return first[1], None, itertools.chain([second], rows)


def export_rows(handle, reading):
    """(line, row dict) for each row of our CSV export (its HXL tag row skipped)."""
    if is_zip(handle):
        raise ImportFileError("this is a spreadsheet (XLSX): the csv format reads CSV files")
    header, tags, rows = split_header(csv_rows(handle, reading))
    if header is None:
        header = [HXL_COLUMNS.get(re.sub(r"\s+", "", tag.lower()), "") for tag in tags]
    header = [cell.strip() for cell in header]
    if not {"name", "country"} <= set(header):
        raise ImportFileError("not a PeaceMap CSV export: there is no name or country column")
    for line, cells in rows:
        if isinstance(cells, Unreadable):
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


def geojson_rows(handle, reading):
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
            yield number, Unreadable("the feature has no properties")
            continue
        row = {key: _property(value) for key, value in properties.items()}
        geometry = feature.get("geometry") or {}
        point = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(point, list) and len(point) >= 2:
            row["longitude"], row["latitude"] = _property(point[0]), _property(point[1])
        yield number, row
