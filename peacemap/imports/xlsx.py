"""The cells of an XLSX worksheet, streamed from its XML with expat.

openpyxl reads the workbook (its worksheets, their paths in the zip, the shared strings), but
its read-only worksheets are not used: opening one scans the whole sheet for its size when
the file does not say it (files not written by Excel), and its cells cost several times what
parsing the XML does. A 24,000-row OCHA sheet took 40 s that way (bench/import.py). Here
each row is parsed with the standard library's expat, in chunks, so memory stays flat
whatever the sheet's size. Cells come as the text a CSV would hold; dates stay as
Excel's serial numbers (no 3W column we read holds one). A formula whose value was never
saved (a file written by a program, not by Excel) comes as a FormulaCell.
"""

import re
import xml.parsers.expat
from dataclasses import dataclass

from openpyxl.reader.excel import ExcelReader

CHUNK = 1 << 16
CELL_REF = re.compile(r"([A-Z]+)([0-9]*)")


class FormulaCell(str):
    """An XLSX cell holding a formula whose value was never saved: reads as "", and is
    refused where its text is needed."""

    def __new__(cls, ref, formula):
        cell = super().__new__(cls, "")
        cell.ref, cell.formula = ref, formula
        return cell


def column_index(letters):
    """0 for A, 25 for Z, 26 for AA."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def number_text(text):
    """A numeric cell as a CSV would hold it: 2024, not 2024.0."""
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text


class _RowParser:
    """expat handlers gathering the rows of a worksheet's XML as they complete."""

    def __init__(self, shared_strings):
        self.shared = shared_strings
        self.done = []  # (row number, cells) completed since the last take()
        self.row_number, self.cells = 0, None
        self.ref = self.kind = None
        self.column = -1
        self.value, self.formula, self.text = [], None, None  # text: the buffer being filled
        self.phonetic = False

    def start(self, name, attrs):
        name = name.rpartition(":")[2]
        if name == "c":
            self.ref, self.kind = attrs.get("r"), attrs.get("t", "n")
            match = CELL_REF.match(self.ref or "")
            self.column = column_index(match.group(1)) if match else self.column + 1
            self.value, self.formula = [], None
        elif name == "v" or (name == "t" and not self.phonetic):
            self.text = self.value
        elif name == "f":
            self.formula = []
            self.text = self.formula
        elif name == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number else self.row_number + 1
            self.cells, self.column = [], -1
        elif name == "rPh":  # phonetic guides of East Asian text: not the cell's text
            self.phonetic = True

    def end(self, name):
        name = name.rpartition(":")[2]
        if name in ("v", "t", "f"):
            self.text = None
        elif name == "c":
            self._cell()
        elif name == "row":
            self.done.append((self.row_number, self.cells))
            self.cells = None
        elif name == "rPh":
            self.phonetic = False

    def data(self, text):
        if self.text is not None:
            self.text.append(text)

    def _cell(self):
        """Place the finished cell in its row."""
        raw = "".join(self.value)
        if self.kind == "s" and raw:
            text = str(self.shared[int(raw)])
        elif self.kind in ("n", "") and raw:
            text = number_text(raw)
        elif self.kind == "b":
            text = "TRUE" if raw == "1" else "FALSE" if raw == "0" else raw
        else:  # inlineStr, str (a formula's text), e (#N/A...), d (ISO date)
            text = raw
        if self.formula is not None and not raw:
            formula = "".join(self.formula)
            text = FormulaCell(self.ref or "", f"={formula}" if formula else "=(shared formula)")
        if self.cells is None:
            return
        if self.column >= len(self.cells):
            self.cells.extend([""] * (self.column - len(self.cells) + 1))
        self.cells[self.column] = text


@dataclass
class Workbook:
    """An XLSX file's worksheets: (name, path in the zip), its shared strings and archive."""

    archive: object
    sheets: list
    shared_strings: list

    def close(self):
        self.archive.close()


def open_workbook(handle):
    """The worksheets of an XLSX file (openpyxl reads the workbook's parts, not the sheets);
    openpyxl's and zipfile's errors pass through."""
    reader = ExcelReader(handle, read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        sheets = [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except BaseException:
        reader.archive.close()
        raise
    return Workbook(reader.archive, sheets, reader.shared_strings)


def sheet_rows(workbook, path, reading=None, chunk=CHUNK):
    """(row number, cells) of each row of the worksheet at `path`, in order; `reading`
    (readers.Reading) follows the bytes of XML read."""
    info = workbook.archive.getinfo(path)
    if reading is not None:
        reading.total, reading.done = info.file_size, 0
    handlers = _RowParser(workbook.shared_strings)
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.data
    with workbook.archive.open(info) as xml_file:
        while True:
            data = xml_file.read(chunk)
            parser.Parse(data, not data)
            if reading is not None:
                reading.done += len(data)
            rows, handlers.done = handlers.done, []
            yield from rows
            if not data:
                return
