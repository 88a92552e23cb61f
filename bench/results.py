"""bench/RESULTS.md: each benchmark owns one section between its own markers; the rest of the file is kept."""

from __future__ import annotations

from pathlib import Path


def write_between(path: Path, begin: str, end: str, section: str) -> None:
    """Put ``section`` in place of the file's block from ``begin`` to ``end`` (markers included), or append it.
    ``section`` is wrapped in the markers unless it already starts with ``begin`` and ends with ``end``."""
    section = section.strip("\n")
    if not (section.startswith(begin) and section.endswith(end)):
        section = f"{begin}\n{section}\n{end}"
    text = path.read_text() if path.exists() else ""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section + "\n"
    path.write_text(text)
