"""Spreadsheet files: read an uploaded sheet row by row, write the template and the marked copy.

Reading streams (openpyxl's ``read_only`` mode yields one row at a time; CSV through the csv
reader), so a file of 10,000 rows is never held in memory as a whole. Formulas are read as the
formula text (``data_only=False``), never evaluated. A CSV must be UTF-8 (Excel's "CSV UTF-8"),
with ``;`` or ``,`` between the cells.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

SHEET = "kandidaten"
EXPLANATION_SHEET = "toelichting"
_MARK = PatternFill("solid", fgColor="FFC7CE")
_BOLD = Font(bold=True)


class UnreadableFile(Exception):
    """The file is not a sheet leerroute reads; ``reason`` says why, for the person who sent it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def detect_format(path: Path) -> str:
    """``xlsx`` or ``csv``; anything else (or a CSV that is not UTF-8 text) is ``UnreadableFile``."""
    with path.open("rb") as file:
        head = file.read(4)
        if head.startswith(b"PK\x03\x04"):
            if not zipfile.is_zipfile(path):
                raise UnreadableFile("the file looks like a workbook but its archive is damaged")
            return "xlsx"
        file.seek(0)
        _check_utf8_text(file)
    return "csv"


def _check_utf8_text(file: BinaryIO) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    while chunk := file.read(1 << 16):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError:
            raise UnreadableFile(
                f"not an .xlsx workbook, nor a CSV in UTF-8 (byte {offset + 1} is not UTF-8): save the sheet as "
                "Excel workbook (.xlsx) or as 'CSV UTF-8'"
            ) from None
        if "\x00" in text:
            raise UnreadableFile("not an .xlsx workbook, nor a text file (it holds NUL bytes): upload the .xlsx or a 'CSV UTF-8'")
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnreadableFile("the CSV ends inside a UTF-8 character: save it again as 'CSV UTF-8'") from None
    if offset == 0:
        raise UnreadableFile("the file is empty")


@contextmanager
def rows(path: Path, file_format: str) -> Iterator[tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]]:
    """The header (cell texts of the first row) and the rows after it as (row number, column →
    value); empty rows are left out. One row at a time."""
    if file_format == "xlsx":
        try:  # a file object: openpyxl would judge a path by its name
            workbook = load_workbook(path.open("rb"), read_only=True, data_only=False)
        except Exception as error:  # openpyxl raises many kinds for a damaged or foreign archive
            raise UnreadableFile(f"the workbook cannot be opened ({type(error).__name__}): save it again as .xlsx") from None
        try:
            sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
            values = sheet.iter_rows(values_only=True)
            first = next(values, None)
            header = [_header(v) for v in (first or ())]
            yield header, _named(header, values, start=2)
        finally:
            workbook.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as text:
            sample = text.readline()
            delimiter = ";" if sample.count(";") > sample.count(",") else ","
            text.seek(0)
            reader = csv.reader(text, delimiter=delimiter)
            header = [_header(v) for v in next(reader, [])]
            yield header, _named(header, reader, start=2)


def _header(value: object) -> str:
    return "" if value is None else str(value).strip().lower()


def _named(header: Sequence[str], values: Iterator[Sequence[Any]], *, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(values, start=start):
        if not any(v not in (None, "") for v in line):
            continue
        yield number, {name: value for name, value in zip(header, line, strict=False) if name}


# --- writing ---------------------------------------------------------------------------------------


def _text_cell(sheet: Any, value: object, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=None if value is None else str(value))
    if cell.data_type == "f":
        cell.data_type = "s"  # a text that starts with '=' stays text: nothing is written as a formula
    if bold:
        cell.font = _BOLD
    return cell


def template_xlsx(columns: Sequence[str], example: Sequence[str], explanation_header: Sequence[str],
                  explanation: Sequence[Sequence[str]], target: BinaryIO) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.append([_text_cell(sheet, name, bold=True) for name in columns])
    sheet.append([_text_cell(sheet, value or None) for value in example])
    notes = workbook.create_sheet(EXPLANATION_SHEET)
    notes.append([_text_cell(notes, name, bold=True) for name in explanation_header])
    for line in explanation:
        notes.append([_text_cell(notes, value) for value in line])
    workbook.save(target)


def template_csv(columns: Sequence[str], example: Sequence[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(columns)
    writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode()


class MarkedWorkbook:
    """A copy of the uploaded rows with every problem on its cell: a comment and a red fill; a
    problem of the row as a whole on its first cell. Written row by row (``write_only``)."""

    def __init__(self, header: Sequence[str]):
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(SHEET)
        self._header = [h for h in header]
        self._sheet.append([_text_cell(self._sheet, h, bold=True) for h in self._header])
        self.marked = 0

    def append(self, values: dict[str, Any], problems: dict[str, list[str]]) -> None:
        cells = []
        for index, name in enumerate(self._header):
            value = values.get(name)
            cell = _text_cell(self._sheet, _shown(value))
            notes = problems.get(name, []) + (problems.get("", []) if index == 0 else [])
            if notes:
                cell.comment = Comment("\n".join(notes), "leerroute")
                cell.fill = _MARK
                self.marked += 1
            cells.append(cell)
        self._sheet.append(cells)

    def save(self, target: BinaryIO) -> None:
        self._workbook.save(target)


def _shown(value: object) -> object:
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def count_rows(path: Path, file_format: str) -> int | None:
    """About how many rows follow the header (a workbook's recorded dimension; a CSV's lines)."""
    try:
        if file_format == "xlsx":
            workbook = load_workbook(path.open("rb"), read_only=True)
            try:
                sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
                return max((sheet.max_row or 1) - 1, 0)
            finally:
                workbook.close()
        with path.open("rb") as file:
            return max(sum(1 for _ in file) - 1, 0)
    except Exception:  # only a hint for a progress bar
        return None
