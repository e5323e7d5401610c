"""Issue 22's conveniences in Chromium at 1280x900 and on a 390x844 phone: "Esqueci minha senha" with the
code from the local mailbox, and the home page's search box, city filter and event images. Controls are
found by role and label."""

from __future__ import annotations

import json
import re
import secrets
import urllib.request

import pytest
from storefront_support import screenshot, tiny_png

from localrun.testing import create_event_on_sale

WIDTHS = [pytest.param((1280, 900), id="desktop"), pytest.param((390, 844), id="phone")]


def mailbox_code(runtime, address: str) -> str:
    """The code of the latest password-reset e-mail to this address in the local mailbox (SES in moto)."""
    with urllib.request.urlopen(runtime.moto_endpoint + "/moto-api/data.json", timeout=10) as answer:  # noqa: S310
        data = json.loads(answer.read())
    messages = data.get("ses", {}).get("Message", []) or data.get("ses", {}).get("message", [])
    texts = [json.dumps(m, ensure_ascii=False) for m in messages if address in json.dumps(m)]
    assert texts, f"no e-mail to {address}"
    return re.search(r"é (\d{6})", texts[-1]).group(1)


@pytest.mark.parametrize("size", WIDTHS)
def test_a_buyer_who_forgot_the_password_chooses_a_new_one_with_the_emailed_code(
    open_page, runtime, new_buyer, size
):
    buyer = new_buyer()
    width, height = size
    page = open_page(width=width, height=height, path="/#/entrar")
    page.get_by_role("link", name="Esqueci minha senha").click()
    page.get_by_role("heading", name="Esqueci minha senha").wait_for()
    page.get_by_label("E-mail da conta").fill(buyer.email)
    page.get_by_role("button", name="Enviar código").click()
    page.get_by_label("Código recebido por e-mail").wait_for()
    assert page.get_by_role("status").filter(has_text=buyer.email).is_visible()
    code = mailbox_code(runtime, buyer.email)

    page.get_by_label("Código recebido por e-mail").fill("000000" if code != "000000" else "111111")
    page.get_by_label("Nova senha", exact=True).fill("Nova-Senha-2026!")
    page.get_by_role("button", name="Salvar nova senha").click()
    alert = page.get_by_role("alert").filter(has_text="Código incorreto ou expirado")
    alert.wait_for()
    assert alert.is_visible()

    page.get_by_label("Código recebido por e-mail").fill(code)
    page.get_by_label("Nova senha", exact=True).fill("senha-fraca-1")
    page.get_by_role("button", name="Salvar nova senha").click()
    page.get_by_text("A senha precisa de pelo menos uma letra maiúscula.").wait_for()
    assert page.get_by_label("Nova senha", exact=True).get_attribute("aria-invalid") == "true"
    screenshot(page, f"forgot-password-{width}")

    page.get_by_label("Nova senha", exact=True).fill("Nova-Senha-2026!")
    page.get_by_role("button", name="Salvar nova senha").click()
    page.get_by_role("button", name="Sair").wait_for()
    # the header shows "Sair" as soon as the new token is kept; the banner follows the profile's answer
    page.get_by_text("Senha alterada").wait_for()


def upload_image(api, token: str, event_id: str, content: bytes) -> str:
    grant = api.post(f"/events/{event_id}/image", token=token, json={"content_type": "image/png"})
    assert grant.status == 201, grant.text
    boundary = "----upload" + secrets.token_hex(8)
    fields = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in grant.json["fields"].items()
    )
    body = (
        fields
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310 - moto locally
        grant.json["upload_url"],
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass
    return grant.json["image_url"]


@pytest.mark.parametrize("size", WIDTHS)
def test_the_home_page_searches_by_text_and_city_and_shows_event_images(
    open_page, api, organizer_token, size
):
    tag = secrets.token_hex(4)
    sectors = [{"name": "Pista", "kind": "general", "price_cents": 9000, "capacity": 30}]
    samba = create_event_on_sale(
        api,
        organizer_token,
        name=f"Roda de Samba {tag}",
        venue="Pedra do Sal",
        city="Rio de Janeiro",
        sectors=sectors,
    )
    create_event_on_sale(
        api,
        organizer_token,
        name=f"Frevo na Rua {tag}",
        venue="Marco Zero",
        city="Recife",
        starts_in_days=21,
        sectors=sectors,
    )
    upload_image(api, organizer_token, samba["id"], tiny_png((200, 40, 40)))

    width, height = size
    page = open_page(width=width, height=height, path="/#/")
    page.get_by_label("Buscar por nome ou local").fill(tag)
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name=f"Roda de Samba {tag}", exact=True).wait_for()
    assert page.get_by_role("link", name=f"Frevo na Rua {tag}", exact=True).is_visible()

    page.get_by_label("Cidade").fill("rio de janeiro")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_url(re.compile(r"cidade=rio"))
    page.get_by_role("link", name=f"Frevo na Rua {tag}", exact=True).wait_for(state="detached")
    samba_link = page.get_by_role("link", name=f"Roda de Samba {tag}", exact=True)
    samba_link.wait_for()
    assert page.get_by_role("link", name=f"Frevo na Rua {tag}", exact=True).count() == 0
    image = page.get_by_role("img", name=f"Imagem do evento Roda de Samba {tag}")
    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth === 4", arg=image.element_handle())
    assert page.get_by_text("Pedra do Sal · Rio de Janeiro").is_visible()
    screenshot(page, f"search-{width}")

    page.get_by_label("Buscar por nome ou local").fill(f"nada-{tag}")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_text("Nenhum evento encontrado com essa busca.").wait_for()
    page.get_by_role("link", name="Limpar busca").click()
    page.get_by_label("Buscar por nome ou local").wait_for()
    assert page.get_by_label("Buscar por nome ou local").input_value() == ""

    samba_page = open_page(width=width, height=height, path=f"/#/evento/{samba['id']}")
    samba_page.get_by_role("img", name=f"Imagem do evento Roda de Samba {tag}").wait_for()
