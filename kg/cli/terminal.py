"""An answer for a terminal: labels rather than IRIs, fitted to the terminal's width, long cells wrapped.

A question's rows name each thing twice, as an IRI (`administration`) and as what people call it
(`administration_label`); a terminal shows the label (JSON and CSV keep both). When the columns cannot each get a
readable width, every row is shown as a block of `column: value` lines instead (as psql's expanded display).

>>> print(render(["therapy", "therapy_label", "response_label"],
...              [{"therapy": "https://w3id.org/salvage-kg/agent/x", "therapy_label": "inotuzumab ozogamicin",
...                "response_label": "complete remission"}], "(1 rows)", width=60))
therapy                 response
...
inotuzumab ozogamicin   complete remission
...
"""

import io
import shutil

from rich import box
from rich.console import Console
from rich.table import Table

_NARROWEST = 22  # a column narrower than this wraps most words: show one block per row instead
_LABEL = "_label"


def terminal_width() -> int:
    """The terminal's width ($COLUMNS where set), 120 when output goes to a file or a pipe."""
    return shutil.get_terminal_size((120, 24)).columns


def readable_columns(columns) -> list[tuple[str, str]]:
    """(column, heading) pairs: an IRI column is dropped when its label is beside it; `x_label` is headed `x`."""
    shown = []
    for column in columns:
        if column + _LABEL in columns:
            continue
        heading = column[: -len(_LABEL)] if column.endswith(_LABEL) else column
        shown.append((column, heading.replace("_", " ")))
    return shown


def cell(value) -> str:
    return "" if value is None else "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def render(columns, rows, footer: str, width: int | None = None) -> str:
    width = width or terminal_width()
    shown = readable_columns(columns)
    console = Console(file=io.StringIO(), width=width, no_color=True, highlight=False, emoji=False,
                      markup=False, force_terminal=False, legacy_windows=False)
    if len(shown) * _NARROWEST <= width:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        for _, heading in shown:
            table.add_column(heading, overflow="fold")
        for row in rows:
            table.add_row(*(cell(row.get(column)) for column, _ in shown))
        console.print(table)
    else:
        for number, row in enumerate(rows, start=1):
            record = Table.grid(padding=(0, 2))
            record.add_column(style="bold", no_wrap=True)
            record.add_column(overflow="fold")
            for column, heading in shown:
                record.add_row(heading, cell(row.get(column)))
            console.print(f"--- row {number} ---")
            console.print(record)
    console.print(footer, soft_wrap=False)
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines())
