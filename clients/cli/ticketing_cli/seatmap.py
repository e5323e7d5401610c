"""A sector's seat map drawn in the terminal: one line per row, one coloured cell per seat, a legend."""

from __future__ import annotations

from rich.text import Text

CELLS = {
    # status: (symbol, style) — the symbol tells the status apart without colours too
    "available": ("●", "bold green"),
    "held": ("◐", "bold yellow"),
    "sold": ("✕", "bold red"),
    "selected": ("◆", "bold cyan"),
}
LEGEND = {"available": "available", "held": "held", "sold": "sold", "selected": "selected"}


def draw(seats: list[dict], selected: set[str] | None = None) -> Text:
    """The seat map as rich Text: the stage, seat numbers on top, each row's letter, then its seats."""
    selected = selected or set()
    rows: dict[str, list[dict]] = {}
    for seat in seats:
        rows.setdefault(str(seat["row"]), []).append(seat)
    numbers = sorted({int(seat["number"]) for seat in seats})
    width = max((len(str(n)) for n in numbers), default=1) + 1
    label_width = max((len(row) for row in rows), default=1)
    text = Text()
    span = len(numbers) * width
    text.append(" " * (label_width + 1) + "STAGE".center(span, "─") + "\n", style="dim")
    text.append(" " * (label_width + 1) + "".join(str(n).rjust(width) for n in numbers) + "\n", style="dim")
    for row, row_seats in rows.items():
        by_number = {int(seat["number"]): seat for seat in row_seats}
        text.append(row.rjust(label_width) + " ", style="bold")
        for number in numbers:
            seat = by_number.get(number)
            if seat is None:
                text.append(" " * width)
                continue
            status = "selected" if seat["label"] in selected or seat["id"] in selected else seat["status"]
            symbol, style = CELLS.get(status, ("?", "magenta"))
            text.append(" " * (width - 1))
            text.append(symbol, style=style)
        text.append(f"  {row}\n", style="bold")
    counts = {
        status: sum(1 for seat in seats if seat["status"] == status)
        for status in ("available", "held", "sold")
    }
    text.append("\n")
    for status, name in LEGEND.items():
        if status == "selected" and not selected:
            continue
        symbol, style = CELLS[status]
        text.append(symbol, style=style)
        count = len(selected) if status == "selected" else counts.get(status, 0)
        text.append(f" {name} ({count})   ")
    text.append("\n")
    return text
