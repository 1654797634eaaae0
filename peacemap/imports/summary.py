"""What an import did, as the command line prints it and the upload page shows it."""

from dataclasses import dataclass, field

from peacemap.imports.report import rejected_lines, unknown_lines


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
    protective: int = 0  # created from a 3W sheet, shown at the protective choices
    unknown_types: dict = field(default_factory=dict)  # 3W type cells no table knows: rows
    unknown_sectors: dict = field(default_factory=dict)  # 3W sector cells likewise
    rejected: list = field(default_factory=list)
    merges: list = field(default_factory=list)  # Notes: matched under another name
    grouped: list = field(default_factory=list)  # Notes: spellings of one organisation
    possible: list = field(default_factory=list)  # Notes: same acronym, names differ
    superseded: list = field(default_factory=list)  # (line, submission id)

    def reject(self, line, reason):
        """Report a row that was left out."""
        self.rejected.append(Rejected(line, reason))

    def _note(self, note, verb):
        """One indented line naming both organisations, their lines and why."""
        where = f"{self.unit} {note.other_line}" if note.other_line else "already in PeaceMap"
        names = f'"{note.name}" {verb} "{note.other_name}"'
        return f"  {self.unit} {note.line}: {names} ({where}): {note.reason}"

    def lines(self):
        """The summary as the command line prints it."""
        lines = [
            f"{self.rows} {self.unit}s read, {self.records} organisations.",
            f"created: {self.created}",
            f"updated: {self.updated}",
            f"unchanged: {self.unchanged}",
            f"merged: {self.merged} (matched an existing organisation by another name or acronym)",
            *(self._note(note, "merged into") for note in self.merges),
            f"grouped: {len(self.grouped)} (spellings of one organisation in this file)",
            *(self._note(note, "grouped with") for note in self.grouped),
            f"possible duplicates: {len(self.possible)} (same acronym, names differ: kept apart"
            + (", moderators told)" if self.publish else ")"),
            *(self._note(note, "kept apart from") for note in self.possible),
            f"rejected: {len(self.rejected)}",
            *(
                [f"shown at the protective choices until they confirm: {self.protective}"]
                if self.protective
                else []
            ),
            *rejected_lines(self.rejected, self.unit),
            *unknown_lines(self),
        ]
        if self.superseded:
            lines.append(
                f"superseded: {len(self.superseded)} pending submissions of earlier imports "
                "(now published)"
            )
            lines += [f"  {self.unit} {line}: submission {ref}" for line, ref in self.superseded]
        if not self.publish and (self.created or self.updated):
            count = self.created + self.updated
            lines.append(f"Nothing published: {count} submissions wait in the moderation queue.")
        return lines
