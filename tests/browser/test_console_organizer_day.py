"""The organizer console and the door scanner in Debian's Chromium (issue 19): an organizer's whole day, an
event cancelled with its refunds, admins appointing organizers, and two organizers' consoles kept apart.
Controls are found by their labels and roles, as a person (or a screen reader) finds them."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

from console_support import ADMIN, ORGANIZER, buy_by_card, qr_video, sign_in_to_console, ticket_codes
from storefront_support import screenshot, tiny_png

from localrun.testing import create_event_on_sale, pista_sector


def label(page, text: str):
    return page.get_by_label(text, exact=True)


def fill(page, values: dict[str, str]) -> None:
    """Types each value into the control labelled by its key (in order, as a person fills a form)."""
    for text, value in values.items():
        label(page, text).fill(value)


def validate_code(door, code: str, answer: str):
    """Types a ticket's code into the scanner and returns its answer dialog, named `answer`."""
    label(door, "Código do ingresso").fill(code)
    door.get_by_role("button", name="Validar código").click()
    return door.get_by_role("alertdialog", name=answer)


def next_ticket(answer) -> None:
    answer.get_by_role("button", name="Ler próximo ingresso").click()


def open_door(door, event_id: str) -> None:
    label(door, "Evento").select_option(event_id)
    door.get_by_role("button", name="Validar ingressos deste evento").click()


def test_the_organizer_day_from_a_new_event_to_the_door(open_page, camera_browser, api, new_buyer, tmp_path):
    tag = secrets.token_hex(3)
    name = f"Festival do Console {tag}"
    page = open_page(path="/console.html")
    sign_in_to_console(page, *ORGANIZER)

    # create the event: every field is a labelled control
    page.get_by_role("link", name="Criar evento").click()
    starts = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT20:30")
    fill(
        page,
        {
            "Nome do evento": name,
            "Local": "Arena Central",
            "Cidade": "Recife",
            "Data e hora de início": starts,
        },
    )
    label(page, "Fuso horário").select_option("America/Recife")
    fill(
        page,
        {
            "Descrição": "Três palcos, comida regional.",
            "Minutos de reserva": "12",
            "Ingressos por pedido": "4",
            "Taxa de conveniência (%)": "10",
            "Limite por CPF": "6",
            "Parcelas no cartão": "3",
        },
    )
    page.get_by_role("button", name="Criar evento").click()
    page.get_by_role("heading", name=name, level=1).wait_for()
    assert page.get_by_text("criado como rascunho").is_visible()
    event_id = page.url.rsplit("/", 1)[-1]
    assert api.get(f"/events/{event_id}").status == 404  # a draft is not public
    # the event's time is read in its own zone: 20:30 in Recife is 23:30 UTC
    mine = [e for e in api_events(api, page) if e["id"] == event_id][0]
    assert mine["starts_at"].endswith("T23:30:00Z") and mine["timezone"] == "America/Recife"
    assert (mine["hold_minutes"], mine["max_tickets_per_order"], mine["service_fee_percent"]) == (12, 4, 10)
    assert (mine["max_tickets_per_cpf"], mine["max_installments"], mine["city"]) == (6, 3, "Recife")

    # the event's image goes straight to the images bucket and shows from where buyers load it
    picture = tmp_path / "cartaz.png"
    picture.write_bytes(tiny_png((20, 120, 60)))
    label(page, "Arquivo da imagem").set_input_files(str(picture))
    page.get_by_role("button", name="Enviar imagem").click()
    page.get_by_text("Imagem enviada").wait_for()
    shown = page.get_by_role("img", name=f"Imagem de {name}")
    assert shown.evaluate("img => img.naturalWidth") == 4
    image_url = [e for e in api_events(api, page) if e["id"] == event_id][0]["image_url"]
    assert image_url and api.get("/" + image_url.split("/", 3)[3]).status == 200

    # a general sector with a lote
    fill(page, {"Nome do setor": "Pista", "Preço inteira (R$)": "100,00", "Capacidade": "100"})
    page.get_by_role("button", name="Adicionar lote").click()
    fill(page, {"Lote 1: preço (R$)": "80,00", "Lote 1: quantidade": "10"})
    page.get_by_role("button", name="Salvar setor").click()
    page.get_by_role("row", name=re.compile("^Pista")).wait_for()

    # a seated sector: the preview shows the map before it is saved
    fill(page, {"Nome do setor": "Plateia", "Preço inteira (R$)": "150,00"})
    page.get_by_label("Numerado (assentos marcados)").check()
    label(page, "Fileira 1: assentos").fill("6")
    page.get_by_role("button", name="Adicionar fileira").click()
    label(page, "Fileira 2: assentos").fill("4")
    preview = page.get_by_role("img", name="Prévia do mapa: 2 fileiras, 10 assentos")
    preview.wait_for()
    assert preview.get_by_title("B-4").count() == 1 and preview.get_by_title("B-5").count() == 0
    screenshot(page, "console-event-desktop")
    page.get_by_role("button", name="Salvar setor").click()
    page.get_by_role("row", name=re.compile("^Plateia")).wait_for()

    # an add-on with stock, then publish
    fill(page, {"Nome do adicional": "Estacionamento", "Preço do adicional (R$)": "25,00", "Estoque": "10"})
    page.get_by_role("button", name="Adicionar adicional").click()
    page.get_by_role("row", name=re.compile("^Estacionamento")).wait_for()
    page.get_by_role("button", name="Publicar").click()
    page.get_by_text("Evento publicado").wait_for()
    event = api.get(f"/events/{event_id}").json
    sectors = {s["name"]: s for s in event["sectors"]}
    assert sectors["Pista"]["price_cents"] == 8000 and sectors["Pista"]["half_quota"] == 40
    assert sectors["Plateia"]["capacity"] == 10
    seats = {
        s["label"]: s
        for s in api.get(f"/events/{event_id}/sectors/{sectors['Plateia']['id']}/seats").json["items"]
    }
    product = api.get(f"/products?event_id={event_id}").json["items"][0]
    assert (product["name"], product["available"]) == ("Estacionamento", 10)

    # the sales page, before and after two buyers pay
    page.get_by_role("link", name="Vendas").click()
    page.get_by_role("img", name="Vendas por dia: nenhuma venda ainda").wait_for()
    student, other = new_buyer(), new_buyer()
    kept = buy_by_card(
        api,
        student,
        event_id,
        [
            {"sector_id": sectors["Pista"]["id"], "quantity": 1, "type": "half", "half_category": "student"},
            {"sector_id": sectors["Pista"]["id"], "quantity": 1},
        ],
        products=[{"product_id": product["id"], "quantity": 1}],
    )
    refunded = buy_by_card(
        api, other, event_id, [{"sector_id": sectors["Plateia"]["id"], "seat_id": seats["A-1"]["id"]}]
    )
    page.get_by_role(
        "img", name=re.compile(r"^Vendas por dia: 3 ingressos e R\$ 3\d\d,\d\d em 1 dia$")
    ).wait_for()
    assert page.locator(".chart-plot canvas").count() == 1  # uPlot drew it
    page.get_by_label("Meia-entrada de Pista: 1 de 40").wait_for()
    assert page.get_by_text("1º lote: 2 vendidos a R$ 80,00").is_visible()
    assert page.get_by_role("row", name=re.compile(r"^Estacionamento 1 R\$ 25,00")).is_visible()
    screenshot(page, "console-sales-desktop")

    # the order desk: find the seated buyer by e-mail, refund after confirming
    page.get_by_role("link", name="Pedidos").click()
    label(page, "E-mail do comprador").fill(other.email)
    page.get_by_role("button", name="Buscar pedidos").click()
    page.get_by_role("caption").filter(has_text="1 pedido").wait_for()
    page.get_by_role("button", name=f"Ver pedido de {other.email}").click()
    page.get_by_text("assento A-1").wait_for()
    page.get_by_role("button", name="Reembolsar pedido").click()
    dialog = page.get_by_role("dialog", name="Reembolsar este pedido?")
    dialog.get_by_role("button", name="Voltar").click()
    assert api.get(f"/orders/{refunded['id']}", token=other.token).json["status"] == "paid"
    page.get_by_role("button", name="Reembolsar pedido").click()
    refunded_tickets = ticket_codes(api, other, refunded["id"])
    dialog.get_by_role("button", name="Confirmar reembolso").click()
    page.get_by_text("Pedido reembolsado.").wait_for()
    assert api.get(f"/orders/{refunded['id']}", token=other.token).json["status"] == "refunded"
    with page.expect_download() as download:
        page.get_by_role("button", name="Exportar pedidos (CSV)").click()
    exported = download.value.path().read_bytes().decode("utf-8")
    assert exported.startswith("\ufeffpedido;e-mail;situação") and f"{other.email};Reembolsado" in exported
    screenshot(page, "console-orders-desktop")

    # the chart and the figures follow the refund by themselves
    page.get_by_role("link", name="Vendas").click()
    page.get_by_role("img", name=re.compile(r"^Vendas por dia: 2 ingressos")).wait_for()

    # the door: the kept half-price ticket's QR played by a fake camera
    tickets = ticket_codes(api, student, kept["id"])
    half = next(t for t in tickets if t["type"] == "half")
    whole = next(t for t in tickets if t["type"] == "full")
    video = qr_video(half["code"], tmp_path / "ticket.y4m")
    camera = camera_browser(video)
    context = camera.new_context(viewport={"width": 390, "height": 844}, locale="pt-BR", is_mobile=True)
    context.grant_permissions(["camera"])
    context.set_default_timeout(20000)
    door = context.new_page()
    errors: list[str] = []
    door.on("pageerror", lambda error: errors.append(str(error)))
    door.goto(page.url.split("/console.html")[0] + "/scanner.html")
    sign_in_to_scanner(door)
    open_door(door, event_id)
    door.get_by_role("button", name="Ligar câmera").click()
    answer = door.get_by_role("alertdialog", name="ENTRADA LIBERADA")
    answer.wait_for()
    assert answer.get_by_text("Pista").is_visible()
    assert answer.get_by_text("MEIA-ENTRADA — Estudante").is_visible()
    assert answer.get_by_text("carteira de identificação estudantil").is_visible()
    screenshot(door, "scanner-admitted-phone")
    first = api.post("/checkins", token=None, json={"code": half["code"]})
    assert first.status == 401  # the scan above really went through the organizer's token
    next_ticket(answer)
    again = door.get_by_role("alertdialog", name="JÁ ENTROU")
    again.wait_for()  # the video takes the ticket away and brings it back: a second scan, refused
    assert again.get_by_text(re.compile(r"já foi validado em \d\d/\d\d/\d{4}, \d\d:\d\d:\d\d")).is_visible()
    screenshot(door, "scanner-already-phone")
    next_ticket(again)

    # the refunded ticket and an unknown code, typed by hand
    door.evaluate("() => document.getElementById('camera').srcObject.getTracks().forEach((t) => t.stop())")
    next_ticket(validate_code(door, refunded_tickets[0]["code"], "REEMBOLSADO"))
    next_ticket(validate_code(door, "NAO-EXISTE-" + tag, "INGRESSO DESCONHECIDO"))

    # offline: the page says so and never shows a green answer
    context.set_offline(True)
    door.get_by_text("Sem conexão: nenhum ingresso está sendo validado").wait_for()
    offline = validate_code(door, whole["code"], "SEM CONEXÃO")
    offline.wait_for()
    assert offline.get_by_text("NÃO foi validado").is_visible()
    screenshot(door, "scanner-offline-phone")
    context.set_offline(False)
    next_ticket(offline)
    door.get_by_text("Conectado").wait_for()
    assert not errors, errors
    context.close()
    full = api.post("/checkins", token=organizer_token_of(api), json={"code": whole["code"]})
    assert full.status == 200  # the offline attempt checked nothing in


def sign_in_to_scanner(page) -> None:
    page.get_by_label("E-mail").fill(ORGANIZER[0])
    page.get_by_label("Senha").fill(ORGANIZER[1])
    page.get_by_role("button", name="Entrar").click()
    page.get_by_label("Evento").wait_for()


def organizer_token_of(api) -> str:
    answer = api.post("/auth/token", json={"email": ORGANIZER[0], "password": ORGANIZER[1]})
    return answer.json["access_token"]


def api_events(api, page) -> list[dict]:
    return api.get("/events?mine=true&limit=200", token=organizer_token_of(api)).json["items"]


def test_cancelling_an_event_in_the_console_shows_the_refunds_progress(
    open_page, api, runtime, organizer_token, new_buyer
):
    made = create_event_on_sale(
        api,
        organizer_token,
        name=f"Show cancelado {secrets.token_hex(3)}",
        sectors=[pista_sector(5000, 20)],
    )
    sector = made["sectors"][0]["id"]
    for buyer in (new_buyer(), new_buyer()):
        buy_by_card(api, buyer, made["id"], [{"sector_id": sector, "quantity": 1}])
    page = open_page(path=f"/console.html#/evento/{made['id']}")
    sign_in_to_console(page, *ORGANIZER)
    page.get_by_role("heading", name="Situação: À venda").wait_for()
    page.get_by_role("button", name="Cancelar evento").click()
    page.get_by_role("dialog", name="Cancelar o evento?").get_by_role(
        "button", name="Cancelar evento"
    ).click()
    page.get_by_text("Reembolsando: 0 de 2 pedidos…").wait_for()
    assert page.get_by_role("heading", name="Situação: Cancelado").is_visible()
    assert page.get_by_role("button", name="Publicar").count() == 0
    for _ in range(20):
        assert runtime.run_schedule_now("RefundCancelledEventsFunction").succeeded
        if api.get(f"/events/{made['id']}").json["refund_progress"]["finished_at"]:
            break
    page.get_by_text("Reembolsos concluídos: 2 de 2 pedidos.").wait_for()
    assert page.get_by_role("button", name="Salvar alterações").count() == 0
    screenshot(page, "console-cancelled-desktop")
    assert page.get_by_label("Reembolsos").get_attribute("value") == "2"


def test_an_admin_appoints_an_organizer_whose_console_never_shows_another_organizers_events(
    open_page, api, organizer_token, new_buyer
):
    first = create_event_on_sale(
        api,
        organizer_token,
        name=f"Show do primeiro {secrets.token_hex(3)}",
        sectors=[pista_sector(5000, 20)],
    )
    person = new_buyer()
    page = open_page(path="/console.html")
    sign_in_to_console(page, *ADMIN)
    page.get_by_role("heading", name="Organizadores", level=1).wait_for()
    label(page, "E-mail da conta").fill("ninguem-" + secrets.token_hex(3) + "@example.com")
    page.get_by_role("button", name="Nomear organizador").click()
    page.get_by_text("Não há conta com este e-mail.").wait_for()
    label(page, "E-mail da conta").fill(person.email)
    page.get_by_role("button", name="Nomear organizador").click()
    page.get_by_text(f"{person.email} agora é organizador(a).").wait_for()
    page.get_by_role("rowheader", name=person.email).wait_for()  # the list reloads after the message
    screenshot(page, "console-admin-desktop")
    page.get_by_role("button", name="Sair").click()

    # the new organizer signs in (the new token carries the role) and sees only their own events
    sign_in_to_console(page, person.email, person.password)
    page.get_by_text("Você ainda não criou eventos.").wait_for()
    assert page.get_by_text(first["event"]["name"]).count() == 0
    page.get_by_role("link", name="Criar evento").click()
    own_name = f"Peça do segundo {secrets.token_hex(3)}"
    label(page, "Nome do evento").fill(own_name)
    label(page, "Local").fill("Teatro")
    label(page, "Data e hora de início").fill("2027-05-01T19:00")
    page.get_by_role("button", name="Criar evento").click()
    page.get_by_role("heading", name=own_name, level=1).wait_for()
    page.get_by_role("link", name="Meus eventos").click()
    page.get_by_role("link", name=own_name, exact=True).wait_for()
    assert page.get_by_role("link", name=re.compile(first["event"]["name"])).count() == 0

    # typing the first organizer's event into the address bar shows nothing of it, and the API refuses
    for section in ("", "/vendas", "/pedidos"):
        page.goto(page.url.split("#")[0] + f"#/evento/{first['id']}{section}")
        page.get_by_text("Evento não encontrado ou não é seu.").wait_for()
    second_token = api.post("/auth/token", json={"email": person.email, "password": person.password}).json
    patched = api.patch(
        f"/events/{first['id']}", token=second_token["access_token"], json={"status": "closed"}
    )
    assert patched.status == 404
    assert api.get(f"/events/{first['id']}").json["status"] == "on_sale"


def test_the_scanner_refuses_a_ticket_of_another_event_and_admits_it_at_its_own_door(
    open_page, api, organizer_token, new_buyer
):
    sector = pista_sector(5000, 20)
    door_a = create_event_on_sale(
        api, organizer_token, name=f"Porta A {secrets.token_hex(3)}", sectors=[sector]
    )
    door_b = create_event_on_sale(
        api, organizer_token, name=f"Porta B {secrets.token_hex(3)}", sectors=[sector]
    )
    buyer = new_buyer()
    order = buy_by_card(api, buyer, door_b["id"], [{"sector_id": door_b["sectors"][0]["id"], "quantity": 1}])
    code = ticket_codes(api, buyer, order["id"])[0]["code"]
    page = open_page(390, 844, "/scanner.html")
    sign_in_to_scanner(page)
    open_door(page, door_a["id"])
    next_ticket(validate_code(page, code, "OUTRO EVENTO"))
    page.get_by_role("button", name="Trocar evento").click()
    open_door(page, door_b["id"])
    admitted = validate_code(page, code, "ENTRADA LIBERADA")
    admitted.wait_for()
    assert admitted.get_by_text("Inteira").is_visible() and admitted.get_by_text("Pista").is_visible()


def test_every_field_of_an_event_is_edited_from_the_console(open_page, api, organizer_token):
    made = api.post(
        "/events",
        token=organizer_token,
        json={
            "name": f"Rascunho editável {secrets.token_hex(3)}",
            "venue": "Galpão",
            "starts_at": "2027-08-20T23:00:00Z",
            "max_tickets_per_cpf": 4,
        },
    ).json
    page = open_page(path=f"/console.html#/evento/{made['id']}")
    sign_in_to_console(page, *ORGANIZER)
    page.get_by_role("heading", name="Situação: Rascunho").wait_for()
    assert label(page, "Data e hora de início").input_value() == "2027-08-20T20:00"  # São Paulo's clock
    fill(page, {"Nome do evento": made["name"] + " (extra)", "Local": "Galpão 2", "Cidade": "Manaus"})
    label(page, "Fuso horário").select_option("America/Manaus")
    fill(
        page,
        {
            "Data e hora de início": "2027-08-21T19:00",
            "Descrição": "Agora com palco novo.",
            "Minutos de reserva": "20",
            "Ingressos por pedido": "8",
            "Taxa de conveniência (%)": "7.5",
            "Limite por CPF": "",
            "Parcelas no cartão": "6",
        },
    )
    page.get_by_label("Usar fila de espera na abertura das vendas").check()
    page.get_by_role("button", name="Salvar alterações").click()
    page.get_by_text("Confira este campo (Compradores admitidos por minuto)").wait_for()
    fill(page, {"Compradores admitidos por minuto": "120", "Abertura da fila": "2027-08-01T10:00"})
    page.get_by_role("button", name="Salvar alterações").click()
    page.get_by_text("Alterações salvas.").wait_for()
    event = api.get(f"/events/{made['id']}", token=organizer_token).json
    assert (event["name"], event["venue"], event["city"]) == (made["name"] + " (extra)", "Galpão 2", "Manaus")
    assert (event["timezone"], event["starts_at"]) == ("America/Manaus", "2027-08-21T23:00:00Z")
    assert event["description"] == "Agora com palco novo."
    assert (event["hold_minutes"], event["max_tickets_per_order"], event["service_fee_percent"]) == (
        20,
        8,
        7.5,
    )
    assert (event["max_tickets_per_cpf"], event["max_installments"]) == (None, 6)
    assert event["queue"] == {"enabled": True, "admit_per_minute": 120, "opens_at": "2027-08-01T14:00:00Z"}

    # a refusal names the field: a fee above 20 %
    label(page, "Taxa de conveniência (%)").fill("25")
    label(page, "Taxa de conveniência (%)").evaluate("input => input.removeAttribute('max')")
    page.get_by_role("button", name="Salvar alterações").click()
    page.get_by_text("Confira este campo (Taxa de conveniência (%))").wait_for()
    assert label(page, "Taxa de conveniência (%)").get_attribute("aria-invalid") == "true"
