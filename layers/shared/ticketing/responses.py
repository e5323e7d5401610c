"""What each route answers, as the OpenAPI document shows it: the success status and body, and the problems.

Left alone, Powertools documents every operation as "200 application/json" with no schema plus its own 422
(HTTPValidationError), which is not what this API sends. Each route's declaration (ticketing.routes.route)
passes `responses=answers(...)` to Powertools instead; `answers` builds the same problem responses everywhere
from the models below.

The models describe the bodies the services build (see services/ and the SQL document functions); they
are documentation only, never used to validate or shape a response. Every object may gain fields later
(the contract only grows), so none forbids extra ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field

from ticketing.domain.statuses import EventStatus, OrderStatus, PaymentStatus
from ticketing.problems import PROBLEM_BASE, PROBLEM_JSON

TicketType = Literal["full", "half"]


class Document(BaseModel):
    """A response object: the fields listed are always there; more may be added."""

    # Built on first use (defer_build): a function builds only the few models its own route answers with.
    model_config = ConfigDict(extra="allow", defer_build=True)


class WholeList(Document):
    """A list that comes whole, in one page (its `items` are declared by each kind of list)."""

    next_cursor: None = Field(description="always null: every item comes at once")


# Problems (RFC 9457), the body of every 4xx and 5xx.


class Problem(Document):
    """An RFC 9457 problem document (application/problem+json)."""

    type: str = Field(
        description=f"{PROBLEM_BASE}<name>: the last path segment names the problem",
        examples=[f"{PROBLEM_BASE}not-found"],
    )
    title: str = Field(description="a short summary of the problem's name")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong with this request")


class FieldError(BaseModel):
    field: str = Field(description="the invalid field, e.g. `tickets[0].quantity`, or `body`")
    message: str


class ValidationProblem(Problem):
    """A 422 problem (`validation`): the request was well-formed but invalid; `errors` names each field."""

    errors: list[FieldError]


# Catalog.


class RefundProgress(Document):
    refunded: int
    total: int
    finished_at: datetime | None


class PriceTier(Document):
    name: str
    price_cents: int
    quantity: int | None
    ends_at: datetime | None
    sold_out: bool
    ended: bool


class Sector(Document):
    id: UUID
    name: str
    kind: Literal["seated", "general"]
    price_cents: int = Field(description="the current price (that of the current tier, if any)")
    half_price_cents: int
    capacity: int
    available: int
    half_quota: int
    half_available: int
    tier: str | None = Field(description="the name of the current price tier, if the sector has tiers")
    tiers: list[PriceTier]


class EventQueue(Document):
    enabled: bool
    admit_per_minute: int
    opens_at: datetime


class Event(Document):
    id: UUID
    name: str
    venue: str
    description: str | None
    starts_at: datetime
    timezone: str
    status: EventStatus
    hold_minutes: int
    max_tickets_per_order: int
    service_fee_percent: float
    max_tickets_per_cpf: int | None
    max_installments: int
    created_at: datetime
    city: str | None = Field(default=None, description="the city, as the organizer wrote it")
    image_url: str | None = Field(default=None, description="the event's image (JPEG, PNG or WebP)")
    sectors: list[Sector] = Field(
        default=[], description="with live availability (left out of lists of events)"
    )
    refund_progress: RefundProgress | None = Field(default=None, description="only once cancelled")
    queue: EventQueue | None = Field(default=None, description="the waiting room, once one was set up")


class QueueEntry(Document):
    id: UUID
    event_id: UUID
    status: Literal["waiting", "admitted"]
    position: int = Field(description="1 + the entries ahead still waiting (0 once admitted)")
    eta_seconds: int
    joined_at: datetime
    admission_token: str | None = Field(default=None, description="once admitted: send as X-Admission-Token")
    admission_expires_at: datetime | None = Field(default=None, description="admission + the hold_minutes")


class WaitlistEntry(Document):
    id: UUID
    event_id: UUID
    sector_id: UUID
    sector: str
    quantity: int
    type: TicketType
    half_category: str | None
    status: Literal["waiting", "offered", "converted", "lapsed", "cancelled"]
    position: int | None = Field(description="while waiting: 1 + the entries ahead still waiting; else null")
    order_id: UUID | None = Field(description="once offered: the order in `reserved` to pay")
    offer_expires_at: datetime | None = Field(description="while offered: when the offer's order lapses")
    joined_at: datetime
    offered_at: datetime | None


class WaitlistPage(Document):
    items: list[WaitlistEntry]
    next_cursor: None = Field(description="always null: every entry comes at once")


class WaitlistCounts(Document):
    waiting: int
    offered: int
    converted: int
    lapsed: int


class QueueFigures(Document):
    enabled: bool
    admit_per_minute: int | None
    opens_at: datetime | None
    waiting: int
    admitted: int
    oldest_wait_seconds: int


class EventImageUpload(Document):
    upload_url: str = Field(description="POST the form here (multipart/form-data)")
    fields: dict[str, str] = Field(description="form fields to send before the file, as they are")
    image_url: str = Field(description="where the image is read once uploaded (the event's `image_url`)")
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    max_bytes: int = Field(description="the largest file S3 accepts (5 MB)")
    expires_at: datetime = Field(description="the upload must start before this")


class EventPage(Document):
    items: list[Event]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class Seat(Document):
    id: UUID
    row: str
    number: int
    label: str
    status: Literal["available", "held", "sold"]


class SeatMap(WholeList):
    items: list[Seat]


class Product(Document):
    id: UUID
    event_id: UUID | None = Field(description="null for an add-on of every event of its organizer")
    name: str
    description: str | None
    price_cents: int
    available: int | None = Field(description="null when the stock is unlimited")


class ProductList(WholeList):
    items: list[Product]


# Orders and payments.


class OrderTicketLine(Document):
    sector_id: UUID
    sector: str
    seat_id: UUID | None
    seat_label: str | None
    quantity: int
    type: TicketType
    half_category: str | None
    tier: str | None
    unit_price_cents: int
    unit_fee_cents: int


class OrderProductLine(Document):
    product_id: UUID
    name: str
    quantity: int
    unit_price_cents: int


class Refund(Document):
    """Money going back to the buyer, shown on its payment once the refund starts."""

    id: str | None = Field(
        default=None, description="PIX money: the devolution's id at the provider (derived from the payment)"
    )
    status: Literal["pending", "refunded", "EM_PROCESSAMENTO", "DEVOLVIDO", "NAO_REALIZADO"] = Field(
        description="card or boleto money: pending while the payment is `refund_due`, then refunded; PIX money "
        "(a devolution): EM_PROCESSAMENTO, then DEVOLVIDO (the payment becomes `refunded`) or NAO_REALIZADO"
    )
    amount_cents: int
    reason: str | None = Field(
        description="e.g. `event-cancelled`, `withdrawal`, `refunded-by-organizer`, `already-paid`, "
        "`places-taken`, `not-latest-payment`, `amount-mismatch`"
    )
    requested_at: datetime
    refunded_at: datetime | None


class Payment(Document):
    id: UUID
    order_id: UUID
    method: Literal["pix", "card", "boleto"]
    status: PaymentStatus
    amount_cents: int
    expires_at: datetime | None = Field(description="null for a card payment (decided at once)")
    installments: int
    installment_cents: int
    created_at: datetime
    decided_at: datetime | None
    card_brand: str | None = None
    card_last4: str | None = None
    pix_copy_paste: str | None = Field(
        default=None, description="the dynamic PIX BR Code (copia e cola) of the provider's charge"
    )
    pix_txid: str | None = Field(
        default=None, description="the charge's txid at the provider (26-35 characters)"
    )
    pix_location: str | None = Field(default=None, description="the charge's location (BR Code field 26-25)")
    pix_qr_png: str | None = Field(
        default=None,
        description="a data:image/png;base64 URL of the QR code, while the PIX payment is pending",
    )
    boleto_line: str | None = Field(default=None, description="the 47-digit typeable line")
    boleto_barcode: str | None = Field(default=None, description="the 44-digit barcode")
    due_date: date | None = None
    refund: Refund | None = Field(default=None, description="only once a refund of this payment starts")


class Buyer(Document):
    email: str
    name: str


class OrderTransfer(Document):
    ticket_id: UUID
    transferred_at: datetime
    to: Buyer = Field(description="who the ticket went to")


class Order(Document):
    id: UUID
    event_id: UUID
    status: OrderStatus
    expires_at: datetime
    created_at: datetime
    paid_at: datetime | None
    ticket_count: int
    tickets: list[OrderTicketLine]
    products: list[OrderProductLine]
    tickets_cents: int
    products_cents: int
    fee_cents: int
    total_cents: int
    payment: Payment | None = Field(description="the latest payment of the order, if any")
    buyer: Buyer | None = Field(default=None, description="only in the organizer's order desk")
    transfers: list[OrderTransfer] | None = Field(
        default=None, description="only in the organizer's order desk: its tickets that changed hands"
    )


class OrderPage(Document):
    items: list[Order]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")


class PixNoticeResult(Document):
    endToEndId: str  # noqa: N815 - the API Pix name
    outcome: Literal["applied", "amount-mismatch", "extra", "unknown-txid", "duplicate"]


class PixNotice(Document):
    """What the API Pix webhook did with each PIX of the batch."""

    results: list[PixNoticeResult]


class PaymentNotice(Document):
    """What the webhook did with the provider's notice."""

    payment_id: UUID
    status: PaymentStatus
    order_status: OrderStatus


# After payment.


class Invoice(Document):
    number: int
    series: int
    access_key: str = Field(pattern=r"^[0-9]{44}$")
    issued_at: datetime
    url: str = Field(description="a pre-signed link to the invoice JSON")
    cancelled_at: datetime | None
    cancellation_url: str | None = Field(default=None, description="once the invoice is cancelled")


class Ticket(Document):
    id: UUID
    code: str | None = Field(
        description="what the ticket's QR code carries, scanned at the door; null once transferred away"
    )
    sector: str
    seat_label: str | None
    type: TicketType
    half_category: str | None
    checked_in_at: datetime | None
    valid: bool
    pdf_url: str | None = Field(description="a pre-signed link to the PDF; null until it is written")
    transferred: bool = Field(default=False, description="transferred to another account (no code, no PDF)")


class TicketList(WholeList):
    items: list[Ticket]


class TicketEvent(Document):
    id: UUID
    name: str
    venue: str
    starts_at: datetime
    timezone: str
    status: EventStatus


class HeldTicket(Document):
    id: UUID
    code: str = Field(description="what the ticket's QR code carries, scanned at the door")
    event: TicketEvent
    sector: str
    seat_label: str | None
    type: TicketType
    half_category: str | None = Field(description="a half-price ticket: the category its holder proves")
    status: Literal["valid", "checked_in", "refunded"]
    checked_in_at: datetime | None
    received: bool = Field(description="transferred to me by someone else")
    order_id: UUID | None = Field(description="my order of it; null for a ticket I received")
    pdf_url: str | None = Field(description="a pre-signed link to the PDF; null until it is written")


class HeldTicketList(WholeList):
    items: list[HeldTicket]


class TransferredTicket(Document):
    """A ticket as its recipient now holds it, without its code (only they see it, in GET /tickets)."""

    id: UUID
    event_id: UUID
    sector: str
    seat_label: str | None
    type: TicketType
    half_category: str | None
    checked_in_at: datetime | None
    holder_email: str
    transferred_at: datetime


class DataExport(Document):
    """Everything kept about the caller (LGPD art. 18 II and art. 19: a copy in a reusable format)."""

    exported_at: datetime
    profile: dict[str, Any]
    orders: list[dict[str, Any]]
    payments: list[dict[str, Any]] = Field(description="card data as brand and last four digits only")
    tickets: list[dict[str, Any]] = Field(
        description="tickets held now (`relation: held`), then tickets transferred away (`transferred_away`)"
    )
    invoices: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    emails: list[dict[str, Any]] = Field(description="e-mails sent (or queued) to the caller")


class CheckIn(Document):
    ticket_id: UUID
    event_id: UUID
    sector: str
    seat_label: str | None
    type: TicketType = Field(description="`half` tells the door to ask for the half-price proof")
    half_category: str | None
    checked_in_at: datetime


class TierSales(Document):
    name: str
    price_cents: int
    sold: int = Field(description="paid places sold at this lote")


class SectorSales(Document):
    sector_id: UUID
    name: str
    capacity: int
    tickets_sold: int
    available: int
    revenue_cents: int
    fees_cents: int
    seat_map_views: int
    tiers: list[TierSales] = Field(description="the sector's lotes in order (empty without lotes)")
    waitlist: WaitlistCounts = Field(description="the sector's waiting-list entries by status")


CalendarDay = date  # the field below is named `date`, which would hide the type inside the class


class DaySales(Document):
    date: CalendarDay = Field(description="a day in the event's time zone")
    tickets: int
    revenue_cents: int


class ProductSales(Document):
    product_id: UUID
    name: str
    quantity: int
    revenue_cents: int


class Report(Document):
    event_id: UUID
    tickets_sold: int
    revenue_cents: int = Field(description="everything paid, fees included (refunds excluded)")
    fees_cents: int
    net_cents: int
    by_sector: list[SectorSales]
    orders_by_status: dict[str, int]
    products_sold: list[ProductSales]
    tickets_transferred: int = Field(default=0, description="tickets of paid orders that changed hands")
    sales_by_day: list[DaySales] = Field(description="paid orders by the day of payment, oldest first")


class Health(Document):
    status: Literal["ok"]
    database: Literal["ok"]


# The problems a route can answer, by status, with what each means.
PROBLEMS: dict[int, tuple[str, type[Problem]]] = {
    400: ("Malformed request: the body is not valid JSON (`malformed`)", Problem),
    401: ("Missing, invalid or expired bearer token (`unauthorized`)", Problem),
    403: ("Signed in but not allowed (`forbidden`)", Problem),
    404: ("No such resource, or one the caller may not see (`not-found`)", Problem),
    409: ("A business conflict; `type` names which", Problem),
    422: ("Well-formed but invalid; `errors` names each field (`validation`)", ValidationProblem),
    503: ("The database is unavailable or busy; retry shortly (`unavailable`)", Problem),
}
SUCCESS_DESCRIPTIONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}


def answers(
    status: int,
    body: type[BaseModel] | None,
    *problems: int,
    conflicts: Iterable[str] = (),
    database: bool = True,
    other_types: Mapping[str, dict[str, Any]] | None = None,
    description: str | None = None,
    notes: Mapping[int, str] | None = None,
) -> dict[int, OpenAPIResponse]:
    """The `responses=` of a route: its success `status` with `body` (application/json), and its problems.

    `problems` are the statuses the route can answer (ticketing.routes adds the 401/403 of its role; a
    2xx among them is another success with the same body); on top
    of them a route with `conflicts` (problem names) gets 409, and one that reads the database (`database`)
    503. `other_types` adds media types of the success (e.g. text/csv), and `notes`
    replaces the usual description of a problem status with one that fits the route."""
    statuses = set(problems)
    conflicts = list(conflicts)
    if conflicts:
        statuses.add(409)
    if database:
        statuses.add(503)
    # Another success the route may answer with the same body (a join that finds the caller's entry: 200).
    also_success = {code for code in statuses if code in SUCCESS_DESCRIPTIONS and code != status}
    statuses -= also_success
    unknown = statuses - PROBLEMS.keys()
    if unknown:
        raise ValueError(f"no problem is described for status {sorted(unknown)}")

    success: OpenAPIResponse = {"description": description or SUCCESS_DESCRIPTIONS[status]}
    content: dict[str, Any] = {}
    if body is not None:
        content["application/json"] = {"model": body}
    content.update(other_types or {})
    if content:
        success["content"] = content
    documented: dict[int, OpenAPIResponse] = {status: success}
    for code in sorted(also_success):
        documented[code] = {**success, "description": (notes or {}).get(code, SUCCESS_DESCRIPTIONS[code])}

    for code in sorted(statuses):
        text, model = PROBLEMS[code]
        if notes and code in notes:
            text = notes[code]
        elif code == 409 and conflicts:
            text = "A business conflict; `type` names which: " + ", ".join(f"`{n}`" for n in conflicts)
        documented[code] = {"description": text, "content": {PROBLEM_JSON: {"model": model}}}
    return documented
