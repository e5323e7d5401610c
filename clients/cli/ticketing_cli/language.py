"""The language the CLI speaks: Brazilian Portuguese when the user's locale is Portuguese, else English.

The locale is read as the C library does (LC_ALL, then LC_MESSAGES, then LANG; GNU's LANGUAGE list
first), and TICKETING_LANG ("pt-BR" or "en") overrides it. English is the source text: `say()` looks
the English sentence up in the Portuguese catalogue below and falls back to English for anything not
translated. The API's problem names (`seat-unavailable`, ...) stay as they are in both languages, so
scripts that read stderr keep working; the words after them are translated.
"""

from __future__ import annotations

import os
from typing import Any

from ticketing.domain.statuses import ORDER_STATUS_WORDS_PT_BR


def portuguese() -> bool:
    chosen = os.environ.get("TICKETING_LANG")
    if chosen:
        return chosen.lower().startswith("pt")
    language = (os.environ.get("LANGUAGE") or "").split(":")[0]
    for value in (
        language,
        os.environ.get("LC_ALL"),
        os.environ.get("LC_MESSAGES"),
        os.environ.get("LANG"),
    ):
        if value:
            return value.lower().startswith("pt")
    return False


PORTUGUESE = {
    # waiting list of a sold-out sector
    "waiting (position {position})": "na lista (posição {position})",
    "offered: pay order {order} by {time}": "lugares oferecidos: pague o pedido {order} até {time}",
    "On the waiting list of {sector}: position {position} (entry {id}).": (
        "Na lista de espera de {sector}: posição {position} (entrada {id})."
    ),
    "You are on no waiting list.": "Você não está em nenhuma lista de espera.",
    "Your waiting lists": "Suas listas de espera",
    "Entry": "Entrada",
    "Places": "Lugares",
    "You left the waiting list.": "Você saiu da lista de espera.",
    # waiting room
    "Admitted: you may choose your seats until {time}.": "Sua vez chegou: escolha seus lugares até {time}.",
    "Waiting: position {position}, about {minutes} min {seconds} s.": (
        "Na fila: posição {position}, cerca de {minutes} min {seconds} s."
    ),
    "You have not joined this queue: ticketing queue join {event}": (
        "Você não entrou nesta fila: ticketing queue join {event}"
    ),
    "Say what to change: --enable/--disable, --rate or --opens-at": (
        "Diga o que mudar: --enable/--disable, --rate ou --opens-at"
    ),
    "Waiting room {state}: {rate}/min, opens at {opens}": "Fila virtual {state}: {rate}/min, abre em {opens}",
    "Waiting room {state}: {rate}/min, {waiting} waiting, {admitted} admitted, oldest wait {oldest} s": (
        "Fila virtual {state}: {rate}/min, {waiting} esperando, {admitted} liberados, maior espera {oldest} s"
    ),
    "This event has no waiting room.": "Este evento não tem fila virtual.",
    "on": "ligada",
    "off": "desligada",
    # errors and exit lines
    "error": "erro",
    "usage": "uso",
    # order view
    "Order {id}": "Pedido {id}",
    "Status: {status}": "Situação: {status}",
    "Held until {time} ({left})": "Reservado até {time} ({left})",
    "expired": "expirou",
    "{minutes} min {seconds} s left": "faltam {minutes} min {seconds} s",
    "Item": "Item",
    "Total": "Total",
    "Seat / qty": "Assento / qtd.",
    "Type": "Tipo",
    "Unit price": "Preço unitário",
    "Fee": "Taxa",
    "Subtotal": "Subtotal",
    "add-on": "adicional",
    "Payment: {method} {status}": "Pagamento: {method} {status}",
    "Pay with: ticketing pay {id} --method pix|card|boleto": (
        "Pague com: ticketing pay {id} --method pix|card|boleto"
    ),
    # payments
    "Payment {id} — {method}: {status} — {amount}": "Pagamento {id} — {method}: {status} — {amount}",
    "Boleto, linha digitável:": "Boleto, linha digitável:",
    "Due date: {date}": "Vencimento: {date}",
    "PIX devolution {id}: {status}": "Devolução PIX {id}: {status}",
    "Pay before {time} ({left}).": "Pague até {time} ({left}).",
    "Paid. Your tickets: ticketing tickets {id}": "Pago. Seus ingressos: ticketing tickets {id}",
    "The payment was declined; the order is still held, you may try again.": (
        "O pagamento foi recusado; a reserva continua, você pode tentar de novo."
    ),
    "declined — the card payment was declined; try another card or method (the order is still held)": (
        "declined — o pagamento com cartão foi recusado; tente outro cartão ou outro meio"
        " (a reserva continua)"
    ),
    "Order is now {status}.": "O pedido agora está {status}.",
    "Order {id} is now {status}.": "O pedido {id} agora está {status}.",
    # lists
    "No orders.": "Nenhum pedido.",
    "Your orders": "Seus pedidos",
    "Order": "Pedido",
    "Event": "Evento",
    "Created (local)": "Feito em (local)",
    "Status": "Situação",
    "Tickets": "Ingressos",
    # tickets
    "Tickets of order {id}": "Ingressos do pedido {id}",
    "Code": "Código",
    "Sector": "Setor",
    "Seat": "Assento",
    "Saved {path}": "Salvo em {path}",
    "not-paid — order {id} is {status}, not paid: its tickets exist once it is paid ({hint})": (
        "not-paid — o pedido {id} está {status}, não pago: os ingressos saem quando ele for pago ({hint})"
    ),
    "pay it with: ticketing pay {id} --method pix|card|boleto": (
        "pague com: ticketing pay {id} --method pix|card|boleto"
    ),
    "it can no longer be paid; buy again with: ticketing buy EVENT": (
        "ele não pode mais ser pago; compre de novo com: ticketing buy EVENTO"
    ),
    "the payment is on its way; try again in a moment": "o pagamento está a caminho; tente de novo daqui a pouco",
    "Invoice number {number}, issued {time}": "Nota fiscal número {number}, emitida em {time}",
    "Access key: {key}": "Chave de acesso: {key}",
}

# Order and payment statuses as people read them (the API's words stay in --json output).
STATUS_WORDS = {
    **ORDER_STATUS_WORDS_PT_BR,
    "pending": "pendente",
    "approved": "aprovado",
    "declined": "recusado",
    "refund_due": "reembolso devido",
    "converted": "comprado pela lista de espera",
    "lapsed": "oferta expirada",
    "card": "cartão",
    "full": "inteira",
    "half": "meia",
}

# What each API problem means, for the words after the problem's name on the error line.
PROBLEM_WORDS = {
    "seat-unavailable": "um dos assentos acabou de ser reservado por outra pessoa; escolha outro",
    "sold-out": "esgotado: não há lugares suficientes neste setor",
    "out-of-stock": "um dos adicionais esgotou",
    "limit-exceeded": "passa do limite de ingressos por pedido, por CPF ou da cota de meia-entrada",
    "invalid-state": "o pedido não está numa situação que permita isso",
    "hold-expired": "o prazo da reserva terminou",
    "email-taken": "já existe uma conta com este e-mail",
    "unauthorized": "entre na sua conta: ticketing login",
    "forbidden": "sua conta não tem permissão para isso",
    "not-found": "não encontrado",
    "already-checked-in": "este ingresso já passou pela entrada",
    "wrong-event": "este ingresso é de outro evento",
}


def say(english: str, **values: Any) -> str:
    """`english` with `values` filled in, in the user's language."""
    text = PORTUGUESE.get(english, english) if portuguese() else english
    return text.format(**values) if values else text


def word(value: str | None) -> str:
    """An API status or method word in the user's language (unchanged in English)."""
    text = str(value or "")
    return STATUS_WORDS.get(text, text) if portuguese() else text


def problem_detail(name: str, detail: str) -> str:
    """The detail of an API problem: the API's English, or the Portuguese meaning of its name."""
    if portuguese() and name in PROBLEM_WORDS:
        return PROBLEM_WORDS[name]
    return detail
