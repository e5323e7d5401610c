"""Ticket codes and the ticket PDF: what a person's PDF reader and QR scanner get back (poppler and zbar,
independent of the code that made them)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ticketing import documents
from ticketing.services import tickets

TICKET = {
    "id": "3f2a8c1e-0000-4000-8000-000000000009",
    "code": tickets.new_code(),
    "event_name": "Festival de Verão — “Edição 2026”",
    "venue": "Allianz Parque, São Paulo",
    "starts_at": datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    "timezone": "America/Sao_Paulo",
    "sector": "Plateia",
    "seat_label": "B-12",
    "buyer_name": "Ana Conceição",
    "type": "half",
    "half_category": "student",
}


def test_codes_are_long_random_and_url_safe():
    codes = {tickets.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 32 and all(c.isalnum() or c in "-_" for c in code) for code in codes)


def test_the_start_time_reads_in_the_events_time_zone_named_in_portuguese():
    assert (
        documents.local_time(TICKET["starts_at"], "America/Sao_Paulo")
        == "31/12/2026 às 20:00 (horário de Brasília)"
    )
    assert (
        documents.local_time(TICKET["starts_at"], "America/Manaus")
        == "31/12/2026 às 19:00 (horário de Manaus)"
    )
    assert (
        documents.local_time(TICKET["starts_at"], "Europe/Lisbon")
        == "31/12/2026 às 23:00 (horário de Lisbon, UTC+00:00)"
    )


def test_the_pdf_is_a_pdf_with_a_qr_image():
    pdf = documents.ticket_pdf(TICKET)
    assert pdf.startswith(b"%PDF-") and b"/Image" in pdf
    assert documents.qr_png(TICKET["code"]).startswith(b"\x89PNG")


@pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdftoppm") or not shutil.which("zbarimg"),
    reason="poppler-utils and zbar-tools are not installed (apt-get install -y poppler-utils zbar-tools)",
)
def test_the_pdf_text_and_qr_decode_back(tmp_path: Path):
    path = tmp_path / "ticket.pdf"
    path.write_bytes(documents.ticket_pdf(TICKET))

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    for expected in (
        "Festival de Verão — “Edição 2026”",  # the embedded Unicode font keeps the dash and the quotes
        "Allianz Parque",
        "31/12/2026 às 20:00 (horário de Brasília)",
        "Plateia",
        "B-12",
        "Ana Conceição",
        "Meia-entrada - estudante",
        "Código: " + TICKET["code"],
        "Apresente na entrada o documento que comprova o direito à meia-entrada.",
    ):
        assert expected in text, expected
    assert "?" not in text and "America/" not in text and "Codigo" not in text

    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(tmp_path / "page")], check=True)
    (page,) = tmp_path.glob("page*.png")
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(page)], capture_output=True, check=True, text=True
    )
    assert scanned.stdout.strip() == TICKET["code"]
