"""``leerroute import FILE [--commit]``: check or import a sheet from the command line, with a
progress bar; the same ``Importer`` as ``POST /v1/imports``, run in this process."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def import_command(
    file: Annotated[Path | None, typer.Argument(help="The sheet (.xlsx or CSV in UTF-8); leave out with --resume")] = None,
    municipality: Annotated[str | None, typer.Option(help="The importing klantmanager's municipality (GM0363)")] = None,
    subject: Annotated[str | None, typer.Option(help="The importing klantmanager (recorded as the actor)")] = None,
    commit: Annotated[bool, typer.Option("--commit", help="Import the rows (default: a dry run that writes nothing)")] = False,
    resume: Annotated[str | None, typer.Option(help="Finish an import that was stopped (its id)")] = None,
    marked: Annotated[Path | None, typer.Option(help="Write the rows with their problems marked to this .xlsx")] = None,
) -> None:
    """Check every row of a sheet (a dry run), or import them with --commit."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from adapters import spreadsheets
    from domain.values import Actor, Role
    from leerroute.bootstrap import build
    from leerroute.importing.job import ImportRefused

    container = build()
    total: int | None = None
    try:
        if resume:
            import_id = UUID(resume)
        else:
            if file is None or not municipality or not subject:
                raise typer.BadParameter("give FILE, --municipality and --subject (or --resume ID)")
            actor = Actor(subject, Role.KLANTMANAGER, municipality)
            import_id = container.imports.accept(actor, file, dry_run=not commit).import_id
            total = spreadsheets.count_rows(file, spreadsheets.detect_format(file))
        print(f"import {import_id}", flush=True)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[note]}"),
                   TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("rows", total=total, note="")

            def report(counts: dict[str, int]) -> None:
                note = f"imported {counts['rows_imported']}, unchanged {counts['rows_unchanged']}, failed {counts['rows_failed']}"
                bar.update(task, completed=counts["rows_checked"], note=note)

            counts = container.imports.run(import_id, progress=report)
    except ImportRefused as refused:
        for name, reason in refused.invalid:
            console.print(f"[red]{name}[/red]: {reason}")
        raise typer.Exit(2) from None
    record = container.import_store.get(import_id)
    report_data = container.import_store.report(import_id) or {}
    problems = report_data.get("problems", [])
    table = Table("row", "column", "rule", "message", title=f"{len(problems)} problems" if problems else "no problems")
    for problem in problems[:50]:
        table.add_row(str(problem["row"]), problem["column"], problem["rule"], problem["reason"])
    console.print(table)
    console.print(" ".join(f"{name.removeprefix('rows_')}={value}" for name, value in counts.items())
                  + (" (dry run: nothing written)" if record is not None and record.dry_run else ""))
    if marked is not None:
        data = container.import_store.file(import_id, "marked")
        if data is not None:
            marked.write_bytes(data)
            console.print(f"marked workbook: {marked}")
    raise typer.Exit(1 if problems else 0)
