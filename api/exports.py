"""Tables as downloads: CSV (UTF-8) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from fastapi.responses import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(columns: Sequence[str], rows: Sequence[Sequence[Any]], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return Response(
        buffer.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


def xlsx_response(columns: Sequence[str], rows: Sequence[Sequence[Any]], filename: str, *, sheet: str) -> Response:
    return xlsx_sheets_response([(sheet, columns, rows)], filename)


def xlsx_sheets_response(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]], filename: str) -> Response:
    """A workbook of one sheet per table: (sheet name, columns, rows)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, columns, rows in sheets:
        worksheet = workbook.create_sheet(sheet)
        worksheet.append(list(columns))
        for row in rows:
            worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'}
    )
