// The storefront: hash routes for events, an event with its seat map, sign-in, an order with payment and
// tickets, my orders, and the organizer's report. It speaks only the public HTTP API (api.js).
import { ApiError, call, newIdempotencyKey, routeServed, session, signIn, signOut } from "./api.js";
import { h, replace } from "./dom.js";
import {
  HALF_CATEGORIES,
  ORDER_STATUS,
  PAYMENT_STATUS,
  formatBoletoLine,
  formatCountdown,
  formatDate,
  formatDateTime,
  formatLongDate,
  formatMoney,
} from "./format.js";

const main = document.getElementById("conteudo");
const notice = document.getElementById("aviso");
let timers = [];

function clearTimers() {
  for (const timer of timers) clearInterval(timer);
  timers = [];
}

function every(milliseconds, action) {
  timers.push(setInterval(action, milliseconds));
}

function announce(message, kind = "info") {
  notice.className = `notice notice-${kind}`;
  notice.textContent = message;
}

function errorBox(error) {
  const text = error instanceof ApiError ? error.message : "Algo deu errado. Tente de novo.";
  return h("p", { class: "error", role: "alert" }, text);
}

// Each route renders through its own pager: a slow page that finishes after the visitor moved on
// (another hash) must not paint over the newer page.
let routeTicket = 0;

class StaleRoute extends Error {}

function pager() {
  const ticket = routeTicket;
  return (title, ...content) => {
    if (ticket !== routeTicket) throw new StaleRoute();
    document.title = `${title} — Ingressos`;
    replace(main, h("h1", {}, title), ...content);
    main.focus({ preventScroll: true });
  };
}

function goTo(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function requireSignIn() {
  if (session()) return true;
  goTo(`#/entrar?volta=${encodeURIComponent(location.hash || "#/")}`);
  return false;
}

// ------------------------------------------------------------------ events
async function eventsPage() {
  const page = pager();
  page("Eventos à venda", h("p", { class: "loading" }, "Carregando eventos…"));
  const answer = await call("GET", "/events?limit=50", { auth: false });
  if (!answer.items.length) {
    page("Eventos à venda", h("p", {}, "Nenhum evento à venda no momento."));
    return;
  }
  const list = h("ul", { class: "cards" });
  const more = h("div");
  // Events come 50 at a time, soonest first; the button asks for the next 50 while there are more.
  const show = (items, cursor) => {
    for (const event of items) {
      list.append(
        h("li", { class: "card" },
          h("h2", {}, h("a", { href: `#/evento/${event.id}` }, event.name)),
          h("p", { class: "when" }, formatLongDate(event.starts_at, event.timezone)),
          h("p", {}, event.venue),
          h("a", { class: "button", href: `#/evento/${event.id}`, "aria-label": `Comprar ingressos para ${event.name}` }, "Comprar ingressos"),
        ),
      );
    }
    if (!cursor) {
      replace(more);
      return;
    }
    const button = h("button", { type: "button", class: "button secondary" }, "Mais eventos");
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.textContent = "Carregando…";
      try {
        const next = await call("GET", `/events?limit=50&cursor=${encodeURIComponent(cursor)}`, { auth: false });
        show(next.items, next.next_cursor);
      } catch {
        button.disabled = false;
        button.textContent = "Não foi possível carregar; tentar de novo";
      }
    });
    replace(more, button);
  };
  page("Eventos à venda", list, more);
  show(answer.items, answer.next_cursor);
}

// ------------------------------------------------------------------ one event: choose and hold
const SEAT_WORDS = { available: "disponível", held: "reservado por outra pessoa", sold: "vendido", selected: "selecionado" };

async function eventPage(eventId) {
  const page = pager();
  page("Evento", h("p", { class: "loading" }, "Carregando…"));
  const [event, products] = await Promise.all([
    call("GET", `/events/${eventId}`, { auth: false }),
    call("GET", `/products?event_id=${encodeURIComponent(eventId)}`, { auth: false }),
  ]);
  const state = { sector: null, seats: [], selected: new Set(), quantity: 1, type: "full", category: "", products: {} };
  const sectorArea = h("div", { id: "setor" });
  const summary = h("div", { class: "summary", "aria-live": "polite" });
  const feedback = h("div");

  function unitPrice() {
    if (!state.sector) return 0;
    return state.type === "half" ? state.sector.half_price_cents : state.sector.price_cents;
  }

  function ticketCount() {
    if (!state.sector) return 0;
    return state.sector.kind === "seated" ? state.selected.size : state.quantity;
  }

  function updateSummary() {
    const tickets = ticketCount() * unitPrice();
    const fee = Math.floor((unitPrice() * (event.service_fee_percent || 0)) / 100) * ticketCount();
    let extras = 0;
    for (const product of products.items) extras += (state.products[product.id] || 0) * product.price_cents;
    const lines = [
      h("p", {}, `${ticketCount()} ingresso(s): ${formatMoney(tickets)}`),
      fee ? h("p", {}, `Taxa de conveniência: ${formatMoney(fee)}`) : null,
      extras ? h("p", {}, `Adicionais: ${formatMoney(extras)}`) : null,
      h("p", { class: "total" }, `Total: ${formatMoney(tickets + fee + extras)}`),
    ];
    replace(summary, ...lines);
  }

  function seatButton(seat) {
    const selected = state.selected.has(seat.id);
    const status = selected ? "selected" : seat.status;
    const free = seat.status === "available";
    return h(
      "button",
      {
        type: "button",
        class: `seat seat-${status}`,
        "aria-pressed": free ? String(selected) : null,
        "aria-label": `Assento ${seat.label}, ${SEAT_WORDS[status] || status}`,
        disabled: !free,
        dataset: { seat: seat.label, status },
        onclick: () => {
          if (state.selected.has(seat.id)) state.selected.delete(seat.id);
          else if (ticketCountLimitReached()) {
            announce(`No máximo ${event.max_tickets_per_order} ingressos por pedido.`, "error");
            return;
          } else state.selected.add(seat.id);
          drawSeatMap(seat.label);
          updateSummary();
        },
      },
      h("span", { "aria-hidden": "true" }, status === "sold" ? "✕" : status === "held" ? "•" : String(seat.number)),
    );
  }

  function ticketCountLimitReached() {
    return state.selected.size >= (event.max_tickets_per_order || 6);
  }

  function drawSeatMap(focusLabel) {
    const rows = new Map();
    for (const seat of state.seats) {
      if (!rows.has(seat.row)) rows.set(seat.row, []);
      rows.get(seat.row).push(seat);
    }
    const grid = h("div", { class: "seat-map", role: "group", "aria-label": `Mapa de assentos — ${state.sector.name}` },
      h("div", { class: "stage", "aria-hidden": "true" }, "PALCO"),
      [...rows.entries()].map(([row, seats]) =>
        h("div", { class: "seat-row" },
          h("span", { class: "row-label", "aria-hidden": "true" }, row),
          seats.map(seatButton),
          h("span", { class: "row-label", "aria-hidden": "true" }, row),
        ),
      ),
    );
    const legend = h("ul", { class: "legend", "aria-label": "Legenda" },
      ["available", "selected", "held", "sold"].map((status) =>
        h("li", {}, h("span", { class: `seat seat-${status} swatch`, "aria-hidden": "true" }, status === "sold" ? "✕" : status === "held" ? "•" : ""),
          { available: "Disponível", selected: "Selecionado", held: "Reservado", sold: "Vendido" }[status]),
      ),
    );
    const chosen = state.seats.filter((seat) => state.selected.has(seat.id)).map((seat) => seat.label);
    const holder = document.getElementById("mapa");
    replace(holder, grid, legend, h("p", { id: "escolhidos" }, chosen.length ? `Escolhidos: ${chosen.join(", ")}` : "Nenhum assento escolhido."));
    if (focusLabel) holder.querySelector(`[data-seat="${CSS.escape(focusLabel)}"]`)?.focus();
  }

  async function chooseSector(sector) {
    state.sector = sector;
    state.selected.clear();
    const parts = [h("h2", {}, `Setor ${sector.name}`)];
    if (sector.kind === "seated") {
      parts.push(h("p", {}, "Escolha seus assentos no mapa (use Tab e Enter ou toque)."), h("div", { id: "mapa" }, h("p", { class: "loading" }, "Carregando mapa…")));
    } else {
      parts.push(
        h("label", { for: "quantidade" }, "Quantidade"),
        h("input", {
          id: "quantidade", type: "number", min: 1, max: Math.min(event.max_tickets_per_order || 6, sector.available), value: state.quantity, inputmode: "numeric",
          oninput: (e) => { state.quantity = Math.max(1, parseInt(e.target.value, 10) || 1); updateSummary(); },
        }),
      );
    }
    replace(sectorArea, ...parts, typeChooser(), productChooser());
    updateSummary();
    if (sector.kind === "seated") {
      const answer = await call("GET", `/events/${event.id}/sectors/${sector.id}/seats`, { auth: false });
      state.seats = answer.items;
      drawSeatMap();
    }
  }

  function typeChooser() {
    const categories = h("div", { class: "field", hidden: state.type !== "half" },
      h("label", { for: "categoria" }, "Categoria da meia-entrada"),
      h("select", { id: "categoria", onchange: (e) => { state.category = e.target.value; } },
        h("option", { value: "" }, "Selecione…"),
        Object.entries(HALF_CATEGORIES).map(([value, label]) => h("option", { value, selected: state.category === value }, label)),
      ),
      h("p", { class: "hint" }, "Leve o documento que comprova o direito: ele é pedido na entrada."),
    );
    const option = (value, label) =>
      h("label", { class: "choice" },
        h("input", {
          type: "radio", name: "tipo", value, checked: state.type === value,
          onchange: () => { state.type = value; categories.hidden = value !== "half"; updateSummary(); },
        }),
        label,
      );
    const half = state.sector.half_available > 0;
    return h("fieldset", {},
      h("legend", {}, "Tipo de ingresso"),
      option("full", `Inteira — ${formatMoney(state.sector.price_cents)}`),
      half ? option("half", `Meia-entrada — ${formatMoney(state.sector.half_price_cents)}`) : h("p", { class: "hint" }, "Meia-entrada esgotada neste setor."),
      categories,
    );
  }

  function productChooser() {
    if (!products.items.length) return null;
    return h("fieldset", {},
      h("legend", {}, "Adicionais"),
      products.items.map((product) =>
        h("div", { class: "field inline" },
          h("label", { for: `produto-${product.id}` }, `${product.name} — ${formatMoney(product.price_cents)}`),
          h("input", {
            id: `produto-${product.id}`, type: "number", min: 0, max: product.available ?? 20, value: state.products[product.id] || 0, inputmode: "numeric",
            oninput: (e) => { state.products[product.id] = Math.max(0, parseInt(e.target.value, 10) || 0); updateSummary(); },
          }),
        ),
      ),
    );
  }

  async function hold(submitEvent) {
    submitEvent.preventDefault();
    if (!requireSignIn()) return;
    if (!state.sector) return announce("Escolha um setor.", "error");
    const line = { sector_id: state.sector.id, type: state.type };
    if (state.type === "half" && state.category) line.half_category = state.category;
    let tickets;
    if (state.sector.kind === "seated") {
      if (!state.selected.size) return announce("Escolha pelo menos um assento.", "error");
      tickets = [...state.selected].map((seatId) => ({ ...line, seat_id: seatId }));
    } else tickets = [{ ...line, quantity: state.quantity }];
    const chosenProducts = Object.entries(state.products).filter(([, quantity]) => quantity > 0).map(([product_id, quantity]) => ({ product_id, quantity }));
    const button = submitEvent.submitter || submitEvent.target.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const order = await call("POST", "/orders", {
        body: { event_id: event.id, tickets, products: chosenProducts },
        headers: { "Idempotency-Key": newIdempotencyKey() },
      });
      announce("Reserva feita! Pague antes do prazo para garantir seus ingressos.", "success");
      goTo(`#/pedido/${order.id}`);
    } catch (error) {
      replace(feedback, errorBox(error));
      if (state.sector.kind === "seated") {
        state.selected.clear();
        const answer = await call("GET", `/events/${event.id}/sectors/${state.sector.id}/seats`, { auth: false });
        state.seats = answer.items;
        drawSeatMap();
        updateSummary();
      }
    } finally {
      button.disabled = false;
    }
  }

  const sectorList = h("fieldset", { class: "sectors" },
    h("legend", {}, "Setores"),
    event.sectors.map((sector) =>
      h("label", { class: "choice sector-choice" },
        h("input", { type: "radio", name: "setor", value: sector.id, disabled: sector.available <= 0, onchange: () => chooseSector(sector).catch(showError) }),
        h("span", { class: "sector-name" }, sector.name),
        h("span", {}, ` ${formatMoney(sector.price_cents)}`),
        h("span", { class: "hint" }, sector.available > 0 ? ` · ${sector.available} lugares` : " · esgotado"),
        sector.kind === "seated" ? h("span", { class: "hint" }, " · lugar marcado") : h("span", { class: "hint" }, " · pista"),
      ),
    ),
  );
  page(event.name,
    h("p", { class: "when" }, formatLongDate(event.starts_at, event.timezone)),
    h("p", {}, event.venue),
    event.description ? h("p", {}, event.description) : null,
    h("form", { class: "buy", onsubmit: hold, novalidate: true },
      sectorList,
      sectorArea,
      summary,
      feedback,
      h("button", { type: "submit", class: "button primary" }, "Reservar"),
      h("p", { class: "hint" }, `A reserva dura ${event.hold_minutes} minutos.`),
    ),
  );
}

// ------------------------------------------------------------------ sign in / sign up
function signInPage(query) {
  const page = pager();
  const back = query.get("volta") || "#/";
  const feedback = h("div");
  async function submitSignIn(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    try {
      await signIn(form.get("email"), form.get("senha"));
      announce("Você entrou na sua conta.", "success");
      goTo(back);
    } catch (error) {
      replace(feedback, errorBox(error));
    }
  }
  async function submitSignUp(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const email = form.get("email");
    const password = form.get("senha");
    try {
      await call("POST", "/users", {
        auth: false,
        body: { name: form.get("nome"), email, cpf: String(form.get("cpf")).replace(/\D/g, ""), password },
      });
      await signIn(email, password);
      announce("Conta criada. Bem-vindo(a)!", "success");
      goTo(back);
    } catch (error) {
      replace(feedback, errorBox(error));
    }
  }
  const field = (id, label, attributes) =>
    h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, required: true, ...attributes }));
  page("Entrar ou criar conta",
    feedback,
    h("div", { class: "columns" },
      h("form", { class: "panel", onsubmit: submitSignIn, "aria-labelledby": "titulo-entrar" },
        h("h2", { id: "titulo-entrar" }, "Já tenho conta"),
        field("entrar-email", "E-mail", { name: "email", type: "email", autocomplete: "email" }),
        field("entrar-senha", "Senha", { name: "senha", type: "password", autocomplete: "current-password" }),
        h("button", { type: "submit", class: "button primary" }, "Entrar"),
      ),
      h("form", { class: "panel", onsubmit: submitSignUp, "aria-labelledby": "titulo-criar" },
        h("h2", { id: "titulo-criar" }, "Criar conta"),
        field("criar-nome", "Nome completo", { name: "nome", autocomplete: "name" }),
        field("criar-email", "E-mail", { name: "email", type: "email", autocomplete: "email" }),
        field("criar-cpf", "CPF", { name: "cpf", inputmode: "numeric", autocomplete: "off", placeholder: "000.000.000-00" }),
        field("criar-senha", "Senha", { name: "senha", type: "password", autocomplete: "new-password", minlength: 8 }),
        h("p", { class: "hint" }, "Use ao menos 8 caracteres, com maiúsculas, minúsculas, números e símbolos."),
        h("button", { type: "submit", class: "button primary" }, "Criar conta"),
      ),
    ),
  );
}

// ------------------------------------------------------------------ one order: pay, then tickets
async function orderPage(orderId) {
  const page = pager();
  if (!requireSignIn()) return;
  page("Pedido", h("p", { class: "loading" }, "Carregando…"));
  let order = await call("GET", `/orders/${orderId}`);
  const event = await call("GET", `/events/${order.event_id}`, { auth: false });
  const tz = event.timezone;
  const statusLine = h("p", { class: "order-status", "aria-live": "polite" });
  const countdown = h("p", { class: "countdown", role: "timer", "aria-live": "off" });
  const payArea = h("section", { "aria-labelledby": "titulo-pagamento" });
  const ticketsArea = h("section", { "aria-labelledby": "titulo-ingressos" });

  function drawStatus() {
    replace(statusLine, "Situação: ", h("strong", { "data-status": order.status }, ORDER_STATUS[order.status] || order.status));
  }

  function tick() {
    if (!["reserved", "awaiting_payment"].includes(order.status)) {
      countdown.hidden = true;
      return;
    }
    const deadline = order.payment?.expires_at && order.status === "awaiting_payment" ? order.payment.expires_at : order.expires_at;
    const left = new Date(deadline).getTime() - Date.now();
    countdown.hidden = false;
    countdown.textContent = left > 0
      ? `Sua reserva expira em ${formatCountdown(left)} (às ${formatDateTime(deadline, tz, { dateStyle: "short", timeStyle: "medium" })}).`
      : "O prazo da reserva terminou.";
  }

  const itemRows = [
    ...order.tickets.map((t) => h("tr", {},
      h("td", {}, t.sector + (t.tier ? ` · ${t.tier}` : "")),
      h("td", {}, t.seat_label || `${t.quantity} lugar(es)`),
      h("td", {}, t.type === "half" ? `Meia${t.half_category ? ` (${HALF_CATEGORIES[t.half_category] || t.half_category})` : ""}` : "Inteira"),
      h("td", { class: "number" }, formatMoney((t.unit_price_cents + (t.unit_fee_cents || 0)) * (t.quantity || 1))),
    )),
    ...(order.products || []).map((p) => h("tr", {},
      h("td", {}, p.name), h("td", {}, `${p.quantity} un.`), h("td", {}, "Adicional"),
      h("td", { class: "number" }, formatMoney(p.unit_price_cents * p.quantity)),
    )),
  ];
  const table = h("table", {},
    h("caption", {}, "Itens do pedido"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Setor"), h("th", { scope: "col" }, "Lugar"), h("th", { scope: "col" }, "Tipo"), h("th", { scope: "col", class: "number" }, "Valor"))),
    h("tbody", {}, itemRows),
    h("tfoot", {},
      order.fee_cents ? h("tr", {}, h("td", { colspan: 3 }, "Taxa de conveniência (incluída)"), h("td", { class: "number" }, formatMoney(order.fee_cents))) : null,
      h("tr", {}, h("th", { scope: "row", colspan: 3 }, "Total"), h("td", { class: "number total" }, formatMoney(order.total_cents))),
    ),
  );

  async function reload() {
    order = await call("GET", `/orders/${orderId}`);
    drawStatus();
    tick();
    await drawPayment();
  }

  function copyButton(text, label) {
    return h("button", {
      type: "button", class: "button",
      onclick: async (e) => {
        try {
          await navigator.clipboard.writeText(text);
          e.target.textContent = "Copiado!";
        } catch {
          announce("Não foi possível copiar; selecione o texto e copie.", "error");
        }
      },
    }, label);
  }

  function showPayment(payment) {
    const parts = [h("p", {}, `Pagamento ${payment.method === "pix" ? "PIX" : payment.method === "boleto" ? "por boleto" : "com cartão"}: `, h("strong", { "data-payment-status": payment.status }, PAYMENT_STATUS[payment.status] || payment.status))];
    if (payment.method === "pix" && payment.pix_copy_paste && payment.status === "pending") {
      parts.push(
        payment.pix_qr_png ? h("img", { class: "pix-qr", src: payment.pix_qr_png, alt: "QR Code PIX para pagar este pedido", width: 240, height: 240 }) : null,
        h("label", { for: "pix-codigo" }, "PIX copia e cola"),
        h("textarea", { id: "pix-codigo", readonly: true, rows: 4 }, payment.pix_copy_paste),
        copyButton(payment.pix_copy_paste, "Copiar código PIX"),
        h("p", { class: "hint" }, `Pague até ${formatDateTime(payment.expires_at, tz)}. A confirmação aparece aqui sozinha.`),
      );
    }
    if (payment.method === "boleto" && payment.boleto_line && payment.status === "pending") {
      parts.push(
        h("p", {}, "Linha digitável:"),
        h("p", { class: "boleto-line", id: "boleto-linha" }, formatBoletoLine(payment.boleto_line)),
        copyButton(payment.boleto_line, "Copiar linha digitável"),
        h("p", { class: "hint" }, `Vencimento: ${formatDate(payment.due_date)}.`),
      );
    }
    if (payment.installments > 1) parts.push(h("p", {}, `${payment.installments}× de ${formatMoney(payment.installment_cents)}`));
    return parts;
  }

  function paymentForm() {
    const feedback = h("div");
    // a disabled fieldset skips validation: the card's required fields only count when paying by card
    const cardFields = h("fieldset", { class: "card-fields", disabled: true },
      h("legend", {}, "Dados do cartão"),
      h("div", { class: "field" }, h("label", { for: "cartao-numero" }, "Número do cartão"), h("input", { id: "cartao-numero", name: "numero", inputmode: "numeric", autocomplete: "cc-number", required: true })),
      h("div", { class: "field" }, h("label", { for: "cartao-nome" }, "Nome impresso no cartão"), h("input", { id: "cartao-nome", name: "titular", autocomplete: "cc-name", required: true })),
      h("div", { class: "columns tight" },
        h("div", { class: "field" }, h("label", { for: "cartao-validade" }, "Validade (MM/AA)"), h("input", { id: "cartao-validade", name: "validade", autocomplete: "cc-exp", placeholder: "MM/AA", required: true })),
        h("div", { class: "field" }, h("label", { for: "cartao-cvv" }, "CVV"), h("input", { id: "cartao-cvv", name: "cvv", inputmode: "numeric", autocomplete: "cc-csc", maxlength: 4, required: true })),
      ),
      (event.max_installments || 1) > 1
        ? h("div", { class: "field" }, h("label", { for: "parcelas" }, "Parcelas"),
          h("select", { id: "parcelas", name: "parcelas" },
            Array.from({ length: event.max_installments }, (_, i) => i + 1)
              .filter((n) => n === 1 || Math.floor(order.total_cents / n) >= 500)
              .map((n) => h("option", { value: n }, n === 1 ? `À vista — ${formatMoney(order.total_cents)}` : `${n}× de ${formatMoney(Math.ceil(order.total_cents / n))}`))))
        : null,
    );
    const method = (value, label, checked) => h("label", { class: "choice" },
      h("input", { type: "radio", name: "metodo", value, checked, onchange: () => { cardFields.hidden = value !== "card"; cardFields.disabled = value !== "card"; } }), label);
    cardFields.hidden = true;
    async function pay(e) {
      e.preventDefault();
      const form = new FormData(e.target);
      const body = { method: form.get("metodo") };
      if (body.method === "card") {
        const [month, year] = String(form.get("validade") || "").split("/").map((part) => parseInt(part, 10));
        body.card = {
          number: String(form.get("numero")).replace(/\D/g, ""),
          holder: form.get("titular"),
          exp_month: month || 0,
          exp_year: year < 100 ? 2000 + year : year || 0,
          cvv: form.get("cvv"),
        };
        if (form.get("parcelas")) body.installments = parseInt(form.get("parcelas"), 10);
      }
      const button = e.submitter;
      if (button) button.disabled = true;
      try {
        const payment = await call("POST", `/orders/${orderId}/payments`, { body, headers: { "Idempotency-Key": newIdempotencyKey() } });
        if (payment.status === "declined") announce("Pagamento recusado. Tente outro cartão ou outro meio.", "error");
        if (payment.status === "approved") announce("Pagamento aprovado!", "success");
        order = await call("GET", `/orders/${orderId}`);
        order.payment = { ...(order.payment || {}), ...payment };
        drawStatus();
        tick();
        await drawPayment(payment);
      } catch (error) {
        replace(feedback, errorBox(error));
      } finally {
        if (button) button.disabled = false;
      }
    }
    return h("form", { class: "pay", onsubmit: pay },
      h("fieldset", {}, h("legend", {}, "Forma de pagamento"),
        method("pix", "PIX", true), method("card", "Cartão de crédito", false), method("boleto", "Boleto bancário", false)),
      cardFields,
      feedback,
      h("button", { type: "submit", class: "button primary" }, "Pagar"),
    );
  }

  async function drawPayment(latest) {
    const parts = [h("h2", { id: "titulo-pagamento" }, "Pagamento")];
    const payment = latest && latest.status !== "declined" ? latest : order.payment;
    if (order.status === "reserved") {
      if (latest?.status === "declined") parts.push(...showPayment(latest));
      parts.push(paymentForm(), h("button", { type: "button", class: "button secondary", onclick: cancel }, "Cancelar reserva"));
    } else if (payment && typeof payment === "object") {
      parts.push(...showPayment(payment));
    } else {
      parts.push(h("p", {}, ORDER_STATUS[order.status] || order.status));
    }
    replace(payArea, ...parts);
    if (order.status === "paid") await drawTickets();
  }

  async function cancel() {
    try {
      order = await call("POST", `/orders/${orderId}/cancel`);
      announce("Reserva cancelada.", "info");
      drawStatus();
      tick();
      await drawPayment();
    } catch (error) {
      replace(payArea, errorBox(error));
    }
  }

  async function drawTickets() {
    replace(ticketsArea, h("h2", { id: "titulo-ingressos" }, "Ingressos"), h("p", { class: "loading" }, "Gerando seus ingressos…"));
    let answer;
    try {
      answer = await call("GET", `/orders/${orderId}/tickets`);
    } catch (error) {
      replace(ticketsArea, h("h2", { id: "titulo-ingressos" }, "Ingressos"), errorBox(error));
      return;
    }
    if (!answer.items.length) {
      setTimeout(() => drawTickets().catch(() => {}), 1500);
      return;
    }
    replace(ticketsArea,
      h("h2", { id: "titulo-ingressos" }, "Ingressos"),
      h("ul", { class: "tickets" }, answer.items.map((ticket) =>
        h("li", { class: "ticket" },
          h("p", { class: "ticket-place" }, `${ticket.sector}${ticket.seat_label ? ` — ${ticket.seat_label}` : ""}`),
          h("p", {}, ticket.type === "half" ? "Meia-entrada (leve o comprovante)" : "Inteira"),
          h("p", { class: "hint" }, "Código do ingresso (o mesmo do QR Code):"),
          h("p", { class: "ticket-code" }, ticket.code),
          ticket.pdf_url ? h("a", { class: "button", href: ticket.pdf_url, download: `ingresso-${ticket.code}.pdf`, rel: "noopener" }, "Baixar ingresso em PDF (com QR Code)") : null,
        ))),
    );
  }

  page(`Pedido de ${event.name}`,
    h("p", { class: "when" }, formatLongDate(event.starts_at, tz)),
    statusLine, countdown, table, payArea, ticketsArea,
  );
  drawStatus();
  tick();
  every(1000, tick);
  every(3000, async () => {
    if (order.status === "awaiting_payment") {
      const fresh = await call("GET", `/orders/${orderId}`).catch(() => null);
      if (fresh && fresh.status !== order.status) {
        order = fresh;
        if (order.status === "paid") announce("Pagamento confirmado! Seus ingressos estão abaixo.", "success");
        else announce(`Situação do pedido: ${ORDER_STATUS[order.status] || order.status}.`, "info");
        await reload();
      }
    }
  });
  await drawPayment();
}

// ------------------------------------------------------------------ my orders
async function ordersPage() {
  const page = pager();
  if (!requireSignIn()) return;
  page("Meus pedidos", h("p", { class: "loading" }, "Carregando…"));
  const answer = await call("GET", "/orders?limit=50");
  const events = new Map();
  await Promise.all([...new Set(answer.items.map((o) => o.event_id))].map(async (id) => {
    events.set(id, await call("GET", `/events/${id}`, { auth: false }).catch(() => null));
  }));
  const rows = answer.items.map((order) => {
    const event = events.get(order.event_id);
    return h("tr", {},
      h("td", {}, h("a", { href: `#/pedido/${order.id}` }, event?.name || "Evento")),
      h("td", {}, formatDateTime(order.created_at, event?.timezone)),
      h("td", {}, ORDER_STATUS[order.status] || order.status),
      h("td", { class: "number" }, formatMoney(order.total_cents)),
    );
  });
  page("Meus pedidos", answer.items.length
    ? h("table", {}, h("caption", {}, "Seus pedidos, do mais recente"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Evento"), h("th", { scope: "col" }, "Feito em"), h("th", { scope: "col" }, "Situação"), h("th", { scope: "col", class: "number" }, "Total"))),
      h("tbody", {}, rows))
    : h("p", {}, "Você ainda não tem pedidos. ", h("a", { href: "#/" }, "Ver eventos")));
}

// ------------------------------------------------------------------ organizer: report
async function organizerPage() {
  const page = pager();
  if (!requireSignIn()) return;
  const me = await call("GET", "/users/me");
  if (!(me.roles || []).includes("organizer")) {
    page("Área do organizador", h("p", {}, "Esta área é só para organizadores."));
    return;
  }
  const reportArea = h("div", { "aria-live": "polite" });
  const served = await routeServed("/events/{event_id}/report");
  const answer = await call("GET", "/events?limit=200");
  async function showReport(eventId) {
    const event = answer.items.find((e) => e.id === eventId);
    if (!served) {
      replace(reportArea, h("p", {}, "O relatório ainda não está disponível nesta versão da API."));
      return;
    }
    try {
      const report = await call("GET", `/events/${eventId}/report`);
      const csv = await call("GET", `/events/${eventId}/report?format=csv`, { headers: { Accept: "text/csv" } });
      const link = h("a", { class: "button", href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })), download: `relatorio-${eventId}.csv` }, "Baixar CSV");
      replace(reportArea,
        h("h2", {}, event?.name || "Relatório"),
        h("dl", { class: "figures" },
          h("dt", {}, "Ingressos vendidos"), h("dd", {}, String(report.tickets_sold)),
          h("dt", {}, "Receita"), h("dd", {}, formatMoney(report.revenue_cents)),
          report.fees_cents !== undefined ? [h("dt", {}, "Taxas"), h("dd", {}, formatMoney(report.fees_cents)), h("dt", {}, "Líquido"), h("dd", {}, formatMoney(report.net_cents))] : null,
        ),
        h("table", {}, h("caption", {}, "Por setor"),
          h("thead", {}, h("tr", {}, ["Setor", "Capacidade", "Vendidos", "Disponíveis", "Receita", "Visitas ao mapa"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, (report.by_sector || []).map((s) => h("tr", {},
            h("td", {}, s.name), h("td", { class: "number" }, s.capacity), h("td", { class: "number" }, s.tickets_sold),
            h("td", { class: "number" }, s.available), h("td", { class: "number" }, formatMoney(s.revenue_cents)), h("td", { class: "number" }, s.seat_map_views ?? "—"))))),
        (report.products_sold || []).length ? h("table", {}, h("caption", {}, "Adicionais vendidos"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Adicional"), h("th", { scope: "col" }, "Quantidade"), h("th", { scope: "col" }, "Receita"))),
          h("tbody", {}, report.products_sold.map((p) => h("tr", {}, h("td", {}, p.name), h("td", { class: "number" }, p.quantity), h("td", { class: "number" }, formatMoney(p.revenue_cents)))))) : null,
        link,
      );
    } catch (error) {
      replace(reportArea, errorBox(error));
    }
  }
  page("Área do organizador",
    h("div", { class: "field" },
      h("label", { for: "evento-relatorio" }, "Evento"),
      h("select", { id: "evento-relatorio", onchange: (e) => e.target.value && showReport(e.target.value) },
        h("option", { value: "" }, "Escolha um evento…"),
        answer.items.map((e) => h("option", { value: e.id }, `${e.name} — ${formatDateTime(e.starts_at, e.timezone, { dateStyle: "short" })}`)))),
    reportArea,
  );
}

// ------------------------------------------------------------------ routing
function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    requireSignIn();
    return;
  }
  replace(main, h("h1", {}, "Ops"), errorBox(error), h("p", {}, h("a", { href: "#/" }, "Voltar aos eventos")));
}

function updateHeader() {
  const current = session();
  for (const item of document.querySelectorAll("[data-auth=in]")) item.hidden = !current;
  for (const item of document.querySelectorAll("[data-auth=out]")) item.hidden = Boolean(current);
  for (const item of document.querySelectorAll("[data-role=organizer]")) item.hidden = !(current?.roles || []).includes("organizer");
}

async function route() {
  clearTimers();
  routeTicket += 1;
  const page = pager();
  const [path, queryText] = (location.hash.replace(/^#/, "") || "/").split("?");
  const query = new URLSearchParams(queryText || "");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts.length === 0) await eventsPage();
    else if (parts[0] === "evento" && parts[1]) await eventPage(parts[1]);
    else if (parts[0] === "pedido" && parts[1]) await orderPage(parts[1]);
    else if (parts[0] === "pedidos") await ordersPage();
    else if (parts[0] === "entrar") signInPage(query);
    else if (parts[0] === "organizador") await organizerPage();
    else page("Página não encontrada", h("p", {}, h("a", { href: "#/" }, "Ver eventos")));
  } catch (error) {
    if (!(error instanceof StaleRoute)) showError(error);
  }
}

document.getElementById("sair").addEventListener("click", () => {
  signOut();
  announce("Você saiu da sua conta.");
  goTo("#/");
});
document.addEventListener("session-changed", updateHeader);
window.addEventListener("hashchange", () => {
  notice.textContent = notice.classList.contains("notice-success") ? notice.textContent : "";
  route();
});
updateHeader();
route();
