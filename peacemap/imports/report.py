"""The import summary's long lists, kept readable: a sheet of 24,000 rows all refused for one
reason says so in a few lines."""

from collections import Counter

REJECTED_SHOWN = 20  # rejected rows listed one by one before they are counted by reason


def rejected_lines(rejected, unit, shown=REJECTED_SHOWN):
    """Every rejected row when there are few; else the first `shown` and a count per reason
    (a sheet of 24,000 rows all refused for one reason says so in a few lines)."""
    lines = [f"  {unit} {item.line}: {item.reason}" for item in rejected[:shown]]
    if len(rejected) > shown:
        reasons = Counter(item.reason for item in rejected)
        lines.append(f"  ... {len(rejected) - shown} more; all rejected rows by reason:")
        lines += [f"  {count} {unit}s: {reason}" for reason, count in reasons.most_common(shown)]
        if len(reasons) > shown:
            lines.append(f"  ... and {len(reasons) - shown} other reasons")
    return lines


def unknown_line(what, unknown):
    """One line naming each value no table knows ({value: rows}, most first)."""
    top = list(unknown.items())[:20]
    named = ", ".join(f"{text!r} ({count} lines)" for text, count in top)
    more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
    return f"{what}: {named}{more}"


def unknown_lines(summary):
    """The summary's lines about the types and sectors no table knew."""
    lines = []
    if summary.unknown_types:
        lines.append(
            unknown_line("unknown organisation types, imported as other", summary.unknown_types)
        )
    if summary.unknown_sectors:
        lines.append(unknown_line("unknown sectors, not kept", summary.unknown_sectors))
    return lines
