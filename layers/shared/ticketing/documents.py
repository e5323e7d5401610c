"""Documents kept in S3 (invoice JSON, cancellation records, ticket PDFs): their keys, how they are written
(always encrypted, always an idempotent overwrite of one predictable key), pre-signed links, and the
ticket PDF itself (fpdf2, with the code's QR made by segno)."""

from __future__ import annotations

import io
import json
import os
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import boto3
import segno
from botocore.config import Config
from fpdf import FPDF

from ticketing.aws import client
from ticketing.config import settings
from ticketing.domain import half_categories

LINK_SECONDS = 15 * 60
# DejaVu (Debian's fonts-dejavu-core, free licence in fonts/LICENSE-DejaVu) is embedded in each PDF: the
# PDF's built-in fonts know Latin-1 only, so a dash or a quote in an event's name came out as "?".
FONTS = Path(__file__).resolve().parent / "fonts"
ZONE_NAMES = {
    "America/Sao_Paulo": "horário de Brasília",
    "America/Noronha": "horário de Fernando de Noronha",
    "America/Manaus": "horário de Manaus",
    "America/Cuiaba": "horário de Cuiabá",
    "America/Campo_Grande": "horário de Campo Grande",
    "America/Porto_Velho": "horário de Porto Velho",
    "America/Boa_Vista": "horário de Boa Vista",
    "America/Rio_Branco": "horário do Acre",
    "America/Belem": "horário de Brasília",
    "America/Fortaleza": "horário de Brasília",
    "America/Recife": "horário de Brasília",
    "America/Bahia": "horário de Brasília",
}
TYPE_NAMES = {"full": "Inteira", "half": "Meia-entrada"}
FONT_FILES = {
    ("DejaVu", ""): "DejaVuSans.ttf",
    ("DejaVu", "B"): "DejaVuSans-Bold.ttf",
    ("DejaVu", "I"): "DejaVuSans-Oblique.ttf",
    ("DejaVuMono", ""): "DejaVuSansMono.ttf",
}
# Parsing the four whole DejaVu files took ~70 % of a ticket's ~400 ms. Tickets whose text stays within
# Latin (Portuguese, Spanish, the usual punctuation) use copies of the fonts cut down to these characters,
# made once per process (~20x faster to render); any other character gets the whole fonts, as before.
LATIN_TEXT = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x2010, 0x2028), *range(0x2030, 0x203B), 0x20AC, 0x2122]
)
_font_lock = threading.Lock()
_latin_fonts: dict[tuple[str, str], str] = {}


def _latin_font_files() -> dict[tuple[str, str], str]:
    """The Latin-only copies of the fonts, in the temporary folder (made on first use)."""
    with _font_lock:
        if not _latin_fonts:
            from fontTools import subset

            folder = Path(tempfile.mkdtemp(prefix="ticketing-fonts-"))
            options = subset.Options()
            options.name_IDs = ["*"]
            options.notdef_outline = True
            options.layout_features = []  # no text shaping: kerning and ligature tables are left out
            options.drop_tables += ["FFTM", "GSUB", "GPOS", "GDEF"]
            for key, name in FONT_FILES.items():
                target = folder / name
                font = subset.load_font(str(FONTS / name), options)
                subsetter = subset.Subsetter(options)
                subsetter.populate(unicodes=LATIN_TEXT)
                subsetter.subset(font)
                subset.save_font(font, str(target), options)
                _latin_fonts[key] = str(target)
        return dict(_latin_fonts)


def _font_files(texts: list[str]) -> dict[tuple[str, str], str]:
    if all(ord(character) in LATIN_TEXT for text in texts for character in text):
        return _latin_font_files()
    return {key: str(FONTS / name) for key, name in FONT_FILES.items()}


def invoice_key(event_id: str, order_id: str) -> str:
    return f"invoices/{event_id}/{order_id}.json"


def cancellation_key(event_id: str, order_id: str) -> str:
    return f"invoices/{event_id}/{order_id}.cancellation.json"


def ticket_pdf_key(order_id: str, ticket_id: str, transfer_id: str | None = None) -> str:
    """The PDF of a ticket as bought, or as its latest transfer made it (a new key per transfer, so no link
    to an earlier PDF ever shows the new code)."""
    if transfer_id:
        return f"tickets/{order_id}/{ticket_id}/{transfer_id}.pdf"
    return f"tickets/{order_id}/{ticket_id}.pdf"


def _bucket() -> str:
    bucket = settings().documents_bucket
    if not bucket:
        raise RuntimeError("DOCUMENTS_BUCKET is not set")
    return bucket


def put_json(key: str, document: Any) -> None:
    """Write a JSON document (SSE-S3). Writing the same key again replaces it: safe to repeat."""
    client("s3").put_object(
        Bucket=_bucket(),
        Key=key,
        Body=json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode(),
        ContentType="application/json; charset=utf-8",
        ServerSideEncryption="AES256",
    )


def put_pdf(key: str, pdf: bytes) -> None:
    """Write a PDF (SSE-S3); safe to repeat."""
    client("s3").put_object(
        Bucket=_bucket(), Key=key, Body=pdf, ContentType="application/pdf", ServerSideEncryption="AES256"
    )


_signers: dict[str, Any] = {}
_signer_lock = threading.Lock()


def signer() -> Any:
    """An S3 client that pre-signs with SigV4 (X-Amz-Expires), one per endpoint, built once."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or ""
    with _signer_lock:
        if endpoint not in _signers:
            _signers[endpoint] = boto3.session.Session().client("s3", config=Config(signature_version="s3v4"))
        return _signers[endpoint]


def delete_objects(keys: list[str]) -> None:
    """Delete these objects (a missing one is no error), a thousand a request."""
    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        client("s3").delete_objects(
            Bucket=_bucket(), Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
        )


def download_link(key: str, seconds: int = LINK_SECONDS) -> str:
    """A pre-signed GET of one object (SigV4), valid for `seconds` (15 minutes by default)."""
    return signer().generate_presigned_url(
        "get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=seconds
    )


def local_time(moment: datetime, timezone: str) -> str:
    """`31/12/2026 às 20:00 (horário de Brasília)`: what people read, in the event's time zone, named in
    Portuguese (a zone without a Brazilian name reads as its city and UTC offset)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone, timezone = ZoneInfo("America/Sao_Paulo"), "America/Sao_Paulo"
    local = moment.astimezone(zone)
    name = ZONE_NAMES.get(timezone)
    if name is None:
        offset = local.strftime("%z")
        city = timezone.rsplit("/", 1)[-1].replace("_", " ")
        name = f"horário de {city}, UTC{offset[:3]}:{offset[3:]}"
    return local.strftime("%d/%m/%Y às %H:%M") + f" ({name})"


def ticket_type_text(ticket_type: str, half_category: str | None) -> str:
    """`Inteira`, `Meia-entrada`, `Meia-entrada - estudante`."""
    text = TYPE_NAMES.get(ticket_type, ticket_type)
    if half_category:
        text += " - " + half_categories.NAMES_PT_BR.get(half_category, half_category)
    return text


def qr_png(code: str) -> bytes:
    """The QR image of a ticket code (error correction M, quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def ticket_pdf(ticket: dict) -> bytes:
    """One A4 page: event, venue, start in the event's time zone, sector, seat, buyer, type, code and QR.

    `ticket` has event_name, venue, starts_at, timezone, sector, seat_label, buyer_name, type, half_category,
    code, id."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Ingresso — {ticket['event_name']}")
    pdf.set_creator("Ticketing")
    texts = [str(value) for value in ticket.values() if value is not None]
    for (family, style), path in _font_files(texts).items():
        pdf.add_font(family, style, path)
    pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.set_font("DejaVu", "B", 22)
    pdf.multi_cell(0, 11, str(ticket["event_name"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 13)
    lines = [
        ("Local", ticket["venue"]),
        ("Início", local_time(ticket["starts_at"], ticket["timezone"])),
        ("Setor", ticket["sector"]),
        ("Assento", ticket.get("seat_label") or "Pista / sem assento marcado"),
        ("Titular" if ticket.get("transfer_id") else "Comprador", ticket["buyer_name"]),
        ("Tipo", ticket_type_text(ticket["type"], ticket.get("half_category"))),
    ]
    for label, value in lines:
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(35, 8, label + ":")
        pdf.set_font("DejaVu", "", 13)
        pdf.multi_cell(0, 8, str(value), new_x="LMARGIN", new_y="NEXT")
    if ticket["type"] == "half":
        pdf.set_font("DejaVu", "I", 11)
        pdf.multi_cell(
            0,
            6,
            "Apresente na entrada o documento que comprova o direito à meia-entrada.",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    size = 90
    top = pdf.get_y() + 6
    pdf.image(io.BytesIO(qr_png(str(ticket["code"]))), x=(pdf.w - size) / 2, y=top, w=size, h=size)
    pdf.set_y(top + size + 4)
    pdf.set_font("DejaVuMono", "", 11)
    pdf.multi_cell(0, 6, "Código: " + str(ticket["code"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        5,
        f"Ingresso {ticket['id']}. Válido para uma entrada; não compartilhe o código.",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
