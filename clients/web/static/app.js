// The storefront: hash routes for events, an event with its seat map, sign-in, an order with payment and
// tickets, my orders, and the organizer's report. It speaks only the public HTTP API (api.js).
import { ApiError, call, newIdempotencyKey, routeServed, session, signIn, signOut } from "./api.js";
import { h, replace } from "./dom.js";
import { announce, clearTimers, errorBox, errorText, every, goTo, keepHeader, pager as sitePager, reroute, signOutButton, startRouting } from "./page.js";
import qrcode from "./vendor/qrcode.mjs";
import {
  CLOSED_STATUSES,
  HALF_CATEGORIES,
  HALF_PROOFS,
  ORDER_STATUS,
  PAYMENT_STATUS,
  WAITLIST_STATUS,
  formatBoletoLine,
  formatCountdown,
  formatDate,
  formatDateTime,
  formatLongDate,
  formatMoney,
  feeOf,
} from "./format.js";

const main = document.getElementById("conteudo");
const pager = () => sitePager("Ingressos");

// A refusal of the page's own wording (`text`) put in `box`, scrolled into view and focused.
function sayError(box, text) {
  const summary = errorBox(text);
  replace(box, summary);
  summary.scrollIntoView({ block: "center" });
  summary.focus({ preventScroll: true });
}

// An API refusal shown where the buyer looks: each field's Portuguese message under its input (linked by
// aria-describedby, the input marked invalid), a summary in `box`, and the first error scrolled into view
// and focused (on a phone the form's top is often off screen).
function showErrors(form, box, error, fieldInputs = {}) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
  const summary = errorBox(error);
  replace(box, summary);
  let first = null;
  const fields = error instanceof ApiError ? [...error.fields] : [];
  if (error instanceof ApiError && error.name === "email-taken" && fieldInputs.email) {
    fields.push({ field: "email", message: "Já existe uma conta com este e-mail." });
  }
  for (const { field, message } of fields) {
    const id = fieldInputs[field] || fieldInputs[field.replace(/^body\./, "")];
    const input = id && form.querySelector(`#${CSS.escape(id)}`);
    if (!input || input.getAttribute("aria-invalid")) continue;
    const note = h("p", { class: "field-error", id: `${id}-erro` }, message);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", note.id);
    input.after(note);
    first = first || input;
  }
  const target = first || summary;
  target.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
}

// A QR image (data: URL) of `text`, drawn here so it survives a reload when the API sends only the text.
function qrImage(text, alt, className) {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  return h("img", { class: className, src: qr.createDataURL(8, 4), alt, width: 240, height: 240 });
}

function requireSignIn() {
  if (session()) return true;
  goTo(`#/entrar?volta=${encodeURIComponent(location.hash || "#/")}`);
  return false;
}

// ------------------------------------------------------------------ events
// "a partir de R$ 90,00" on each card: the lowest full price among the sectors still on sale. The list
// has no sectors, so each card asks for its event once it scrolls into view.
const pricesSeen = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    pricesSeen.unobserve(entry.target);
    const slot = entry.target;
    call("GET", `/events/${slot.dataset.event}`, { auth: false }).then((event) => {
      const open = (event.sectors || []).filter((sector) => sector.available > 0);
      if (!open.length) {
        slot.textContent = "Esgotado";
        return;
      }
      const lowest = Math.min(...open.map((sector) => sector.price_cents));
      slot.textContent = `A partir de ${formatMoney(lowest)}${event.service_fee_percent ? " + taxa" : ""}`;
    }).catch(() => {});
  }
});

// The event's image (uploaded by its organizer), or nothing: an image that does not load is removed.
function eventImage(event, className) {
  if (!event.image_url) return null;
  const image = h("img", { src: event.image_url, alt: `Imagem do evento ${event.name}`, class: className, loading: "lazy" });
  image.addEventListener("error", () => image.remove());
  return image;
}

// Search by name or venue (?q=) and city (?city=): the form keeps them in the address (#/?busca=&cidade=).
function searchForm(q, city) {
  function submit(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const query = new URLSearchParams();
    const words = String(form.get("busca") || "").trim();
    const town = String(form.get("cidade") || "").trim();
    if (words) query.set("busca", words);
    if (town) query.set("cidade", town);
    const text = query.toString();
    goTo(text ? `#/?${text}` : "#/");
  }
  return h("form", { class: "search", role: "search", onsubmit: submit, "aria-label": "Busca" },
    h("div", { class: "field" },
      h("label", { for: "busca" }, "Buscar por nome ou local"),
      h("input", { id: "busca", name: "busca", type: "search", maxlength: 100, value: q, placeholder: "Ex.: samba, Allianz" }),
    ),
    h("div", { class: "field" },
      h("label", { for: "cidade" }, "Cidade"),
      h("input", { id: "cidade", name: "cidade", maxlength: 100, value: city, autocomplete: "address-level2", placeholder: "Ex.: São Paulo" }),
    ),
    h("button", { type: "submit", class: "button" }, "Buscar"),
    q || city ? h("a", { href: "#/", class: "clear-search" }, "Limpar busca") : null,
  );
}

async function eventsPage(query = new URLSearchParams()) {
  const page = pager();
  const q = (query.get("busca") || "").slice(0, 100);
  const city = (query.get("cidade") || "").slice(0, 100);
  const filters = `${q ? `&q=${encodeURIComponent(q)}` : ""}${city ? `&city=${encodeURIComponent(city)}` : ""}`;
  const search = searchForm(q, city);
  page("Eventos à venda", search, h("p", { class: "loading" }, "Carregando eventos…"));
  const answer = await call("GET", `/events?limit=50${filters}`, { auth: false });
  if (!answer.items.length) {
    page("Eventos à venda", search, h("p", { role: "status" }, q || city
      ? "Nenhum evento encontrado com essa busca."
      : "Nenhum evento à venda no momento."));
    return;
  }
  const list = h("ul", { class: "cards" });
  const more = h("div");
  // Events come 50 at a time, soonest first; the button asks for the next 50 while there are more.
  const show = (items, cursor) => {
    for (const event of items) {
      list.append(
        h("li", { class: "card" },
          eventImage(event, "card-image"),
          h("h2", {}, h("a", { href: `#/evento/${event.id}` }, event.name)),
          h("p", { class: "when" }, formatLongDate(event.starts_at, event.timezone)),
          h("p", {}, event.city ? `${event.venue} · ${event.city}` : event.venue),
          h("p", { class: "from-price", dataset: { event: event.id } }),
          h("a", { class: "button", href: `#/evento/${event.id}`, "aria-label": `Comprar ingressos para ${event.name}` }, "Comprar ingressos"),
        ),
      );
    }
    for (const slot of list.querySelectorAll(".from-price:not([data-watched])")) {
      slot.dataset.watched = "1";
      pricesSeen.observe(slot);
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
        const next = await call("GET", `/events?limit=50${filters}&cursor=${encodeURIComponent(cursor)}`, { auth: false });
        show(next.items, next.next_cursor);
      } catch {
        button.disabled = false;
        button.textContent = "Não foi possível carregar; tentar de novo";
      }
    });
    replace(more, button);
  };
  page("Eventos à venda", search, list, more);
  show(answer.items, answer.next_cursor);
}

// ------------------------------------------------------------------ one event: choose and hold
const SEAT_WORDS = { available: "disponível", held: "reservado por outra pessoa", sold: "vendido", selected: "selecionado" };
// A choice made before signing in, kept in this tab until the buyer is back on the event (then held).
const PENDING_KEY = "ticketing.pending-choice";

function pendingChoice(eventId) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(PENDING_KEY));
    return saved?.eventId === eventId ? saved : null;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ waiting room (fila virtual)
// The entry id and, once admitted, the admission token are kept in localStorage per event, so the waiting
// page survives a reload and the hold sends the token.
const QUEUE_KEY = "ticketing.queue.";

function queuePlace(eventId) {
  try {
    return JSON.parse(localStorage.getItem(QUEUE_KEY + eventId)) || {};
  } catch {
    return {};
  }
}

function keepQueuePlace(eventId, entry) {
  const place = { ...queuePlace(eventId), entryId: entry.id };
  if (!place.firstPosition || (entry.status === "waiting" && entry.position > place.firstPosition)) place.firstPosition = entry.position || 1;
  if (entry.admission_token) {
    place.token = entry.admission_token;
    place.expiresAt = entry.admission_expires_at;
  }
  localStorage.setItem(QUEUE_KEY + eventId, JSON.stringify(place));
  return place;
}

function admissionToken(eventId) {
  const place = queuePlace(eventId);
  return place.token && Date.parse(place.expiresAt) > Date.now() ? place.token : null;
}

function waitText(seconds) {
  if (seconds < 60) return "menos de 1 minuto";
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `cerca de ${minutes} ${minutes === 1 ? "minuto" : "minutos"}`;
  const hours = Math.floor(minutes / 60);
  return `cerca de ${hours} h ${minutes % 60} min`;
}

async function queuePage(eventId) {
  const page = pager();
  if (!requireSignIn()) return;
  page("Fila virtual", h("p", { class: "loading" }, "Entrando na fila…"));
  const event = await call("GET", `/events/${eventId}`, { auth: false });
  const position = h("p", { class: "queue-position", id: "posicao" });
  const estimate = h("p", { class: "queue-eta", id: "estimativa" });
  const bar = h("progress", { max: "100", value: "0", id: "progresso", "aria-label": "Progresso na fila" });
  const status = h("div", { role: "status", "aria-live": "polite" }, position, estimate);
  page(
    `Fila virtual — ${event.name}`,
    h("p", {}, "Muita gente quer estes ingressos. Você está na fila: quando chegar sua vez, você vai direto para o mapa de lugares."),
    status,
    bar,
    h("p", { class: "hint" }, "Pode deixar esta página aberta: ela se atualiza sozinha. Se recarregar, você mantém seu lugar."),
  );

  function draw(entry) {
    const place = keepQueuePlace(eventId, entry);
    if (entry.status === "admitted") {
      clearTimers();
      announce("Chegou sua vez! Escolha seus lugares antes que o prazo termine.", "success", `#/evento/${eventId}`);
      goTo(`#/evento/${eventId}`);
      return;
    }
    position.textContent = `Sua posição na fila: ${entry.position}`;
    estimate.textContent = `Tempo estimado: ${waitText(entry.eta_seconds)}`;
    const first = Math.max(place.firstPosition || entry.position, entry.position);
    bar.value = String(Math.round(100 * (first - entry.position + 1) / (first + 1)));
  }

  const known = queuePlace(eventId).entryId;
  let entry;
  try {
    entry = known ? await call("GET", `/events/${eventId}/queue/${known}`) : await call("POST", `/events/${eventId}/queue`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404 || !known) throw error;
    localStorage.removeItem(QUEUE_KEY + eventId);
    entry = await call("POST", `/events/${eventId}/queue`);
  }
  draw(entry);
  if (entry.status === "admitted") return;
  const entryId = entry.id;
  let busy = false;
  every(2000, async () => {
    if (busy) return;
    busy = true;
    try {
      draw(await call("GET", `/events/${eventId}/queue/${entryId}`));
    } catch {
      // a missed poll is retried on the next tick
    } finally {
      busy = false;
    }
  });
}

async function eventPage(eventId) {
  const page = pager();
  page("Evento", h("p", { class: "loading" }, "Carregando…"));
  const [event, products] = await Promise.all([
    call("GET", `/events/${eventId}`, { auth: false }),
    call("GET", `/products?event_id=${encodeURIComponent(eventId)}`, { auth: false }),
  ]);
  if (event.queue?.enabled && event.status === "on_sale" && !admissionToken(event.id)) {
    // a queued on-sale: the seat map comes after the waiting room
    goTo(`#/fila/${event.id}`);
    return;
  }
  const state = { sector: null, seats: [], selected: new Set(), quantity: 1, type: "full", category: "", products: {}, focusLabel: null };
  const sectorArea = h("div", { id: "setor" });
  const summary = h("div", { class: "summary", "aria-live": "polite" });
  const feedback = h("div");
  const feePercent = event.service_fee_percent || 0;

  function unitPrice() {
    if (!state.sector) return 0;
    return state.type === "half" ? state.sector.half_price_cents : state.sector.price_cents;
  }

  function ticketCount() {
    if (!state.sector) return 0;
    return state.sector.kind === "seated" ? state.selected.size : state.quantity;
  }

  function priceText(cents) {
    const fee = feeOf(cents, feePercent);
    return fee ? `${formatMoney(cents)} + ${formatMoney(fee)} de taxa` : formatMoney(cents);
  }

  function updateSummary() {
    const count = ticketCount();
    if (!state.sector) return replace(summary);
    const unit = unitPrice();
    const fee = feeOf(unit, feePercent);
    let extras = 0;
    for (const product of products.items) extras += (state.products[product.id] || 0) * product.price_cents;
    const lines = [
      h("p", {}, count
        ? `${count} ${count === 1 ? "ingresso" : "ingressos"} × ${formatMoney(unit + fee)}${fee ? ` (${formatMoney(unit)} + ${formatMoney(fee)} de taxa de conveniência)` : ""}`
        : "Nenhum ingresso escolhido."),
      count && fee ? h("p", { class: "hint" }, `Ingressos ${formatMoney(count * unit)} + taxas ${formatMoney(count * fee)}`) : null,
      count && !fee ? h("p", { class: "hint" }, `Ingressos ${formatMoney(count * unit)}`) : null,
      extras ? h("p", {}, `Adicionais: ${formatMoney(extras)}`) : null,
      h("p", { class: "total" }, `Total: ${formatMoney(count * (unit + fee) + extras)}`),
    ];
    replace(summary, ...lines);
  }

  function ticketCountLimitReached() {
    return state.selected.size >= (event.max_tickets_per_order || 6);
  }

  function toggleSeat(seat) {
    if (seat.status !== "available") return;
    if (state.selected.has(seat.id)) state.selected.delete(seat.id);
    else if (ticketCountLimitReached()) {
      seatNote(`No máximo ${event.max_tickets_per_order} ingressos por pedido.`);
      return;
    } else state.selected.add(seat.id);
    drawSeatMap(seat.label);
    updateSummary();
  }

  function seatNote(text) {
    const note = document.getElementById("aviso-mapa");
    if (note) note.textContent = text;
  }

  // One Tab stop for the whole map (a roving tabindex): arrows move between seats, Home/End along a row,
  // Enter or Space chooses. Taken seats can be reached and read, not chosen.
  function seatButton(seat) {
    const selected = state.selected.has(seat.id);
    const status = selected ? "selected" : seat.status;
    const free = seat.status === "available";
    const price = free ? `, ${priceText(unitPrice())}` : "";
    return h(
      "button",
      {
        type: "button",
        class: `seat seat-${status}`,
        tabindex: "-1",
        "aria-pressed": free ? String(selected) : null,
        "aria-disabled": free ? null : "true",
        "aria-label": `Assento ${seat.label}, ${SEAT_WORDS[status] || status}${price}`,
        dataset: { seat: seat.label, status, row: seat.row },
        onclick: () => toggleSeat(seat),
        onfocus: () => { state.focusLabel = seat.label; },
      },
      h("span", { "aria-hidden": "true" }, String(seat.number)),
    );
  }

  function moveFocus(e) {
    const current = e.target.closest("[data-seat]");
    if (!current) return;
    const rows = [...document.querySelectorAll("#mapa .seat-row")].map((row) => [...row.querySelectorAll("[data-seat]")]);
    const r = rows.findIndex((row) => row.includes(current));
    const c = rows[r].indexOf(current);
    let target = null;
    if (e.key === "ArrowRight") target = rows[r][c + 1];
    else if (e.key === "ArrowLeft") target = rows[r][c - 1];
    else if (e.key === "ArrowDown" && rows[r + 1]) target = rows[r + 1][Math.min(c, rows[r + 1].length - 1)];
    else if (e.key === "ArrowUp" && rows[r - 1]) target = rows[r - 1][Math.min(c, rows[r - 1].length - 1)];
    else if (e.key === "Home") target = rows[r][0];
    else if (e.key === "End") target = rows[r][rows[r].length - 1];
    else return;
    e.preventDefault();
    if (!target) return;
    current.tabIndex = -1;
    target.tabIndex = 0;
    target.focus();
  }

  function drawSeatMap(focusLabel) {
    const rows = new Map();
    for (const seat of state.seats) {
      if (!rows.has(seat.row)) rows.set(seat.row, []);
      rows.get(seat.row).push(seat);
    }
    const holder = document.getElementById("mapa");
    const zoomed = holder.classList.contains("zoomed");
    const grid = h("div", { class: "seat-map", role: "group", "aria-label": `Mapa de assentos — ${state.sector.name}`, onkeydown: moveFocus },
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
        h("li", {}, h("span", { class: `seat seat-${status} swatch`, "aria-hidden": "true" }, "12"),
          { available: "Disponível", selected: "Selecionado", held: "Reservado", sold: "Vendido" }[status]),
      ),
    );
    const zoom = h("button", {
      type: "button", class: "button secondary zoom", "aria-pressed": String(zoomed),
      onclick: () => {
        holder.classList.toggle("zoomed");
        drawSeatMap(state.focusLabel);
        document.querySelector("#mapa .zoom")?.focus();
      },
    }, zoomed ? "Reduzir mapa" : "Ampliar mapa");
    const chosen = state.seats.filter((seat) => state.selected.has(seat.id)).map((seat) => seat.label);
    const previousNote = document.getElementById("aviso-mapa")?.textContent || "";
    replace(holder, zoom, grid, legend,
      h("p", { id: "escolhidos" }, chosen.length ? `Escolhidos: ${chosen.join(", ")}` : "Nenhum assento escolhido."),
      h("p", { id: "aviso-mapa", class: "seat-note", role: "status" }, previousNote));
    const stop = (focusLabel && holder.querySelector(`[data-seat="${CSS.escape(focusLabel)}"]`))
      || (state.focusLabel && holder.querySelector(`[data-seat="${CSS.escape(state.focusLabel)}"]`))
      || holder.querySelector(".seat-selected[data-seat]")
      || holder.querySelector(".seat-available[data-seat]")
      || holder.querySelector("[data-seat]");
    if (stop) stop.tabIndex = 0;
    if (focusLabel && stop) stop.focus();
  }

  async function loadSeats() {
    const answer = await call("GET", `/events/${event.id}/sectors/${state.sector.id}/seats`, { auth: false });
    state.seats = answer.items;
  }

  async function chooseSector(sector, keep = {}) {
    state.sector = sector;
    state.selected.clear();
    const parts = [h("h2", {}, `Setor ${sector.name}`)];
    if (sector.kind === "seated") {
      parts.push(h("p", { class: "hint" }, "Toque nos assentos ou use Tab para chegar ao mapa e as setas para andar entre eles; Enter escolhe."),
        h("div", { id: "mapa" }, h("p", { class: "loading" }, "Carregando mapa…")));
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
      await loadSeats();
      for (const seat of state.seats) if ((keep.seatIds || []).includes(seat.id) && seat.status === "available") state.selected.add(seat.id);
      drawSeatMap();
      updateSummary();
    }
  }

  function typeChooser() {
    const categories = h("div", { class: "field", hidden: state.type !== "half" },
      h("label", { for: "categoria" }, "Categoria da meia-entrada (obrigatória)"),
      h("select", { id: "categoria", required: true, onchange: (e) => { state.category = e.target.value; drawProof(); } },
        h("option", { value: "" }, "Selecione…"),
        Object.entries(HALF_CATEGORIES).map(([value, label]) => h("option", { value, selected: state.category === value }, label)),
      ),
      h("p", { class: "hint", id: "meia-prova" }),
      h("p", { class: "hint" }, "A meia-entrada é um direito da Lei 12.933/2013 (estudantes, jovens de baixa renda com ID Jovem, pessoas com deficiência e um acompanhante), do Estatuto da Pessoa Idosa (60 anos ou mais) e de leis locais para professores. Sem o documento na entrada, paga-se a diferença ou o acesso é negado."),
    );
    function drawProof() {
      const proof = categories.querySelector("#meia-prova");
      proof.textContent = state.category ? `Na entrada, apresente: ${HALF_PROOFS[state.category]}.` : "Escolha a categoria: ela diz qual documento apresentar na entrada.";
    }
    drawProof();
    const option = (value, label) =>
      h("label", { class: "choice" },
        h("input", {
          type: "radio", name: "tipo", value, checked: state.type === value,
          onchange: () => {
            state.type = value;
            categories.hidden = value !== "half";
            updateSummary();
            if (state.sector?.kind === "seated" && state.seats.length) drawSeatMap();
          },
        }),
        label,
      );
    const half = state.sector.half_available > 0;
    return h("fieldset", {},
      h("legend", {}, "Tipo de ingresso"),
      option("full", `Inteira — ${priceText(state.sector.price_cents)}`),
      half ? option("half", `Meia-entrada — ${priceText(state.sector.half_price_cents)}`) : h("p", { class: "hint" }, "Meia-entrada esgotada neste setor."),
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

  function rememberChoice() {
    sessionStorage.setItem(PENDING_KEY, JSON.stringify({
      eventId: event.id, sectorId: state.sector?.id, seatIds: [...state.selected], quantity: state.quantity,
      type: state.type, category: state.category, products: state.products,
    }));
  }

  async function hold(submitEvent) {
    submitEvent?.preventDefault();
    const form = document.querySelector("form.buy");
    replace(feedback);
    if (!state.sector) {
      replace(feedback, errorBox("Escolha um setor."));
      return;
    }
    if (state.sector.kind === "seated" && !state.selected.size) {
      replace(feedback, errorBox("Escolha pelo menos um assento no mapa."));
      return;
    }
    if (state.type === "half" && !state.category) {
      showErrors(form, feedback, new ApiError(422, { type: "x/validation", errors: [{ field: "half_category", message: "" }] }), { half_category: "categoria" });
      return;
    }
    if (!session()) {
      // keep the choice through sign-in or sign-up; it is held as soon as the buyer is back
      rememberChoice();
      announce("Entre ou crie sua conta: sua escolha fica guardada e será reservada em seguida.", "info", "#/entrar");
      goTo(`#/entrar?volta=${encodeURIComponent(`#/evento/${event.id}`)}`);
      return;
    }
    const line = { sector_id: state.sector.id, type: state.type };
    if (state.type === "half" && state.category) line.half_category = state.category;
    let tickets;
    if (state.sector.kind === "seated") tickets = [...state.selected].map((seatId) => ({ ...line, seat_id: seatId }));
    else tickets = [{ ...line, quantity: state.quantity }];
    const chosenProducts = Object.entries(state.products).filter(([, quantity]) => quantity > 0).map(([product_id, quantity]) => ({ product_id, quantity }));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const order = await call("POST", "/orders", {
        body: { event_id: event.id, tickets, products: chosenProducts },
        headers: { "Idempotency-Key": newIdempotencyKey(), ...(admissionToken(event.id) ? { "X-Admission-Token": admissionToken(event.id) } : {}) },
      });
      sessionStorage.removeItem(PENDING_KEY);
      announce("Reserva feita! Pague antes do prazo para garantir seus ingressos.", "success", `#/pedido/${order.id}`);
      goTo(`#/pedido/${order.id}`);
    } catch (error) {
      if (error instanceof ApiError && error.name === "admission-required") {
        // the admission lapsed (or the queue was just switched on): back to the waiting room
        const place = queuePlace(event.id);
        localStorage.setItem(QUEUE_KEY + event.id, JSON.stringify({ entryId: place.entryId }));
        announce(error.message, "info", `#/fila/${event.id}`);
        goTo(`#/fila/${event.id}`);
        return;
      }
      if (error instanceof ApiError && error.name === "seat-unavailable" && state.sector.kind === "seated") {
        await seatsTakenMeanwhile();
      } else {
        showErrors(form, feedback, error, { half_category: "categoria", quantity: "quantidade" });
      }
    } finally {
      button.disabled = false;
    }
  }

  // Someone else held one of the chosen seats: say which, keep the others, and stay on the map.
  async function seatsTakenMeanwhile() {
    const chosen = state.seats.filter((seat) => state.selected.has(seat.id));
    await loadSeats();
    const now = new Map(state.seats.map((seat) => [seat.id, seat]));
    const lost = chosen.filter((seat) => now.get(seat.id)?.status !== "available");
    const kept = chosen.filter((seat) => now.get(seat.id)?.status === "available");
    for (const seat of lost) state.selected.delete(seat.id);
    const lostText = lost.length ? `${lost.map((s) => s.label).join(", ")} ${lost.length === 1 ? "acabou de ser reservado" : "acabaram de ser reservados"} por outra pessoa` : "Um dos assentos acabou de ser reservado por outra pessoa";
    const keptText = kept.length ? `; ${kept.map((s) => s.label).join(", ")} ${kept.length === 1 ? "continua selecionado" : "continuam selecionados"}` : "; escolha outro assento";
    drawSeatMap();
    updateSummary();
    seatNote(`${lostText}${keptText}.`);
    const note = document.getElementById("aviso-mapa");
    note.classList.add("error");
    note.setAttribute("tabindex", "-1");
    note.scrollIntoView({ block: "center" });
    note.focus({ preventScroll: true });
  }

  const sectorList = h("fieldset", { class: "sectors" },
    h("legend", {}, "Setores"),
    event.sectors.map((sector) =>
      h("label", { class: "choice sector-choice" },
        h("input", { type: "radio", name: "setor", value: sector.id, disabled: sector.available <= 0, onchange: () => chooseSector(sector).catch(showError) }),
        h("span", { class: "sector-name" }, sector.name),
        h("span", {}, ` ${priceText(sector.price_cents)}`),
        h("span", { class: "hint" }, sector.available > 0 ? ` · ${sector.available} lugares` : " · esgotado"),
        sector.kind === "seated" ? h("span", { class: "hint" }, " · lugar marcado") : h("span", { class: "hint" }, " · pista"),
      ),
    ),
  );
  const soldOut = event.status === "on_sale" ? event.sectors.filter((sector) => sector.available <= 0) : [];
  page(event.name,
    eventImage(event, "event-image"),
    h("p", { class: "when" }, formatLongDate(event.starts_at, event.timezone)),
    h("p", {}, event.city ? `${event.venue} · ${event.city}` : event.venue),
    event.description ? h("p", {}, event.description) : null,
    feePercent ? h("p", { class: "hint" }, `Cada ingresso tem taxa de conveniência de ${String(feePercent).replace(".", ",")} % sobre o preço, mostrada ao lado dele.`) : null,
    h("form", { class: "buy", onsubmit: hold, novalidate: true },
      sectorList,
      sectorArea,
      summary,
      feedback,
      h("button", { type: "submit", class: "button primary" }, "Reservar"),
      h("p", { class: "hint" }, `A reserva dura ${event.hold_minutes} minutos.`),
    ),
    soldOut.length ? waitlistSection(event, soldOut) : null,
  );

  // Back from signing in with a choice kept: restore it and hold it at once.
  const saved = pendingChoice(event.id);
  const sector = saved && event.sectors.find((s) => s.id === saved.sectorId);
  if (sector) {
    Object.assign(state, { quantity: saved.quantity || 1, type: saved.type || "full", category: saved.category || "", products: saved.products || {} });
    document.querySelector(`input[name=setor][value="${CSS.escape(sector.id)}"]`).checked = true;
    await chooseSector(sector, { seatIds: saved.seatIds });
    if (session()) await hold();
  }
}

// A sold-out sector's waiting list (issue 18): places that come back are offered in order of arrival.
function waitlistSection(event, sectors) {
  return h("section", { class: "waitlist", "aria-labelledby": "lista-de-espera" },
    h("h2", { id: "lista-de-espera" }, "Lista de espera"),
    h("p", { class: "hint" }, `Quando lugares voltarem, oferecemos na ordem de chegada: você recebe um e-mail e tem ${event.hold_minutes} minutos para pagar.`),
    sectors.map((sector) => {
      const feedback = h("div");
      const quantity = h("input", {
        id: `espera-${sector.id}`, name: "quantidade", type: "number", min: 1, max: event.max_tickets_per_order || 6, value: 1, inputmode: "numeric",
      });
      async function join(e) {
        e.preventDefault();
        if (!session()) {
          announce("Entre ou crie sua conta para entrar na lista de espera.", "info", "#/entrar");
          goTo(`#/entrar?volta=${encodeURIComponent(`#/evento/${event.id}`)}`);
          return;
        }
        try {
          const entry = await call("POST", `/events/${event.id}/waitlist`, { body: { sector_id: sector.id, quantity: Number(quantity.value) || 1 } });
          announce(`Você entrou na lista de espera de ${sector.name} (posição ${entry.position}).`, "success", "#/pedidos");
          goTo("#/pedidos");
        } catch (error) {
          if (error instanceof ApiError && error.name === "invalid-state") {
            error.message = "Este setor ainda tem esses lugares à venda (reserve-os acima), ou você já está na lista de espera dele.";
          }
          showErrors(e.target, feedback, error, { quantity: quantity.id });
        }
      }
      return h("form", { class: "waitlist-join", onsubmit: join, novalidate: true, "data-sector": sector.id },
        h("p", {}, h("strong", {}, sector.name), " · esgotado"),
        h("label", { for: `espera-${sector.id}` }, "Quantos lugares"), quantity,
        feedback,
        h("button", { type: "submit", class: "button" }, "Entrar na lista de espera"),
      );
    }),
  );
}

// ------------------------------------------------------------------ sign in / sign up
// A required input under its label (the sign-in, sign-up and password forms).
function field(id, label, attributes) {
  return h("div", { class: "field" }, h("label", { for: id }, label), h("input", { id, required: true, ...attributes }));
}

function signInPage(query) {
  const page = pager();
  const back = query.get("volta") || "#/";
  const feedback = h("div");
  const signUpFeedback = h("div");
  async function submitSignIn(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    try {
      await signIn(form.get("email"), form.get("senha"));
      announce("Você entrou na sua conta.", "success", back);
      goTo(back);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        sayError(feedback, "E-mail ou senha incorretos.");
      } else showErrors(e.target, feedback, error, { email: "entrar-email", password: "entrar-senha" });
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
      announce("Conta criada. Bem-vindo(a)!", "success", back);
      goTo(back);
    } catch (error) {
      showErrors(e.target, signUpFeedback, error, { name: "criar-nome", email: "criar-email", cpf: "criar-cpf", password: "criar-senha" });
    }
  }
  page("Entrar ou criar conta",
    back.startsWith("#/evento/") && sessionStorage.getItem(PENDING_KEY)
      ? h("p", { class: "hint kept" }, "Sua escolha de ingressos está guardada: assim que você entrar, ela é reservada.")
      : null,
    h("div", { class: "columns" },
      h("form", { class: "panel", onsubmit: submitSignIn, "aria-labelledby": "titulo-entrar" },
        h("h2", { id: "titulo-entrar" }, "Já tenho conta"),
        feedback,
        field("entrar-email", "E-mail", { name: "email", type: "email", autocomplete: "email" }),
        field("entrar-senha", "Senha", { name: "senha", type: "password", autocomplete: "current-password" }),
        h("button", { type: "submit", class: "button primary" }, "Entrar"),
        h("p", {}, h("a", { href: `#/esqueci-senha?volta=${encodeURIComponent(back)}` }, "Esqueci minha senha")),
      ),
      h("form", { class: "panel", onsubmit: submitSignUp, "aria-labelledby": "titulo-criar" },
        h("h2", { id: "titulo-criar" }, "Criar conta"),
        signUpFeedback,
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

// ------------------------------------------------------------------ forgotten password
// Two steps: the e-mail (the API answers the same whether or not an account has it), then the code that
// arrived by e-mail and the new password.
function forgotPasswordPage(query) {
  const page = pager();
  const back = query.get("volta") || "#/";
  const feedback = h("div");
  const confirmFeedback = h("div");
  let email = "";

  async function askCode(e) {
    e.preventDefault();
    email = String(new FormData(e.target).get("email") || "").trim();
    try {
      await call("POST", "/auth/password-reset", { auth: false, body: { email } });
    } catch (error) {
      showErrors(e.target, feedback, error, { email: "recuperar-email" });
      return;
    }
    showConfirm();
  }

  async function confirm(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    const newPassword = form.get("senha");
    try {
      await call("POST", "/auth/password-reset/confirm", {
        auth: false,
        body: { email, code: String(form.get("codigo") || "").trim(), new_password: newPassword },
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        sayError(confirmFeedback, "Código incorreto ou expirado. Confira o e-mail ou peça um novo código.");
      } else showErrors(e.target, confirmFeedback, error, { code: "recuperar-codigo", new_password: "recuperar-senha" });
      return;
    }
    try {
      await signIn(email, newPassword);
      announce("Senha alterada. Você já entrou com a nova senha.", "success", back);
      goTo(back);
    } catch {
      announce("Senha alterada. Entre com a nova senha.", "success", "#/entrar");
      goTo(`#/entrar?volta=${encodeURIComponent(back)}`);
    }
  }

  function showConfirm() {
    const sent = h("p", { class: "hint", role: "status" },
      `Se houver uma conta com o e-mail ${email}, enviamos para ele um código. Digite o código e a nova senha.`);
    page("Criar nova senha",
      h("form", { class: "panel", onsubmit: confirm, "aria-labelledby": "titulo-nova-senha" },
        h("h2", { id: "titulo-nova-senha" }, "Código e nova senha"),
        sent,
        confirmFeedback,
        field("recuperar-codigo", "Código recebido por e-mail", { name: "codigo", inputmode: "numeric", autocomplete: "one-time-code" }),
        field("recuperar-senha", "Nova senha", { name: "senha", type: "password", autocomplete: "new-password", minlength: 8 }),
        h("p", { class: "hint" }, "Use ao menos 8 caracteres, com maiúsculas, minúsculas, números e símbolos."),
        h("button", { type: "submit", class: "button primary" }, "Salvar nova senha"),
        h("p", {}, h("button", { type: "button", class: "button secondary", onclick: () => forgotPasswordPage(query) }, "Não recebi o código: pedir outro")),
      ),
    );
    document.getElementById("recuperar-codigo")?.focus();
  }

  page("Esqueci minha senha",
    h("form", { class: "panel", onsubmit: askCode, "aria-labelledby": "titulo-recuperar" },
      h("h2", { id: "titulo-recuperar" }, "Receber um código por e-mail"),
      feedback,
      field("recuperar-email", "E-mail da conta", { name: "email", type: "email", autocomplete: "email" }),
      h("button", { type: "submit", class: "button primary" }, "Enviar código"),
      h("p", {}, h("a", { href: `#/entrar?volta=${encodeURIComponent(back)}` }, "Voltar para entrar")),
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
    if (left > 0) {
      countdown.textContent = `Sua reserva expira em ${formatCountdown(left)} (${formatDateTime(deadline, tz, { dateStyle: "short", timeStyle: left > 3600000 ? "short" : "medium" })}).`;
      return;
    }
    // the deadline passed: the order can no longer be paid, whatever the server's next expiry run says
    order = { ...order, status: "expired" };
    countdown.hidden = true;
    drawStatus();
    drawPayment().catch(() => {});
    call("GET", `/orders/${orderId}`).then((fresh) => {
      if (fresh.status !== "reserved" && fresh.status !== "awaiting_payment" && fresh.status !== order.status) {
        order = fresh;
        drawStatus();
        drawPayment().catch(() => {});
      }
    }).catch(() => {});
  }

  const itemRows = [
    ...order.tickets.map((t) => h("tr", {},
      h("td", {}, t.sector + (t.tier ? ` · ${t.tier}` : "")),
      h("td", {}, t.seat_label || `${t.quantity} lugar(es)`),
      h("td", {}, t.type === "half" ? `Meia${t.half_category ? ` (${HALF_CATEGORIES[t.half_category] || t.half_category})` : ""}` : "Inteira"),
      // price and fee of one ticket side by side, as the event page showed them, and the line's amount
      h("td", { class: "number" }, formatMoney((t.unit_price_cents + (t.unit_fee_cents || 0)) * (t.quantity || 1)),
        t.unit_fee_cents ? h("span", { class: "fee" }, `${(t.quantity || 1) > 1 ? `${t.quantity} × ` : ""}${formatMoney(t.unit_price_cents)} + ${formatMoney(t.unit_fee_cents)} de taxa`) : null),
    )),
    ...(order.products || []).map((p) => h("tr", {},
      h("td", {}, p.name), h("td", {}, `${p.quantity} un.`), h("td", {}, "Adicional"),
      h("td", { class: "number" }, formatMoney(p.unit_price_cents * p.quantity)),
    )),
  ];
  const table = h("div", { class: "table-scroll" }, h("table", {},
    h("caption", {}, "Itens do pedido"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Setor"), h("th", { scope: "col" }, "Lugar"), h("th", { scope: "col" }, "Tipo"), h("th", { scope: "col", class: "number" }, "Valor"))),
    h("tbody", {}, itemRows),
    h("tfoot", {},
      h("tr", {}, h("th", { scope: "row", colspan: 3 }, "Total"), h("td", { class: "number total" }, formatMoney(order.total_cents))),
      order.fee_cents ? h("tr", {}, h("td", { colspan: 4, class: "hint" }, `O total já inclui ${formatMoney(order.fee_cents)} de taxa de conveniência, uma vez só.`)) : null,
    ),
  ));

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
        payment.pix_qr_png
          ? h("img", { class: "pix-qr", src: payment.pix_qr_png, alt: "QR Code PIX para pagar este pedido", width: 240, height: 240 })
          : qrImage(payment.pix_copy_paste, "QR Code PIX para pagar este pedido", "pix-qr"),
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
      if (payment.pix_copy_paste) {
        // boleto híbrido: the same charge can be paid by PIX until the due date
        parts.push(
          h("p", {}, "Ou pague este boleto com PIX:"),
          qrImage(payment.pix_copy_paste, "QR Code PIX deste boleto", "pix-qr"),
          h("label", { for: "pix-codigo" }, "PIX copia e cola"),
          h("textarea", { id: "pix-codigo", readonly: true, rows: 4 }, payment.pix_copy_paste),
          copyButton(payment.pix_copy_paste, "Copiar código PIX"),
        );
      }
    }
    if (payment.refund?.id) {
      const devolution = { EM_PROCESSAMENTO: "em processamento", DEVOLVIDO: "devolvida", NAO_REALIZADO: "não realizada — entraremos em contato" };
      parts.push(h("p", { class: "hint", "data-refund-status": payment.refund.status }, `Devolução PIX: ${devolution[payment.refund.status] || payment.refund.status}.`));
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
        // the form is gone: keep the keyboard and screen reader on what happened
        const heading = payArea.querySelector("#titulo-pagamento");
        heading.setAttribute("tabindex", "-1");
        heading.focus();
      } catch (error) {
        showErrors(e.target, feedback, error, {
          "card.number": "cartao-numero", "card.holder": "cartao-nome", "card.exp_month": "cartao-validade",
          "card.exp_year": "cartao-validade", "card.cvv": "cartao-cvv", installments: "parcelas",
        });
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
    } else if (CLOSED_STATUSES.includes(order.status)) {
      parts.push(
        h("p", {}, order.status === "expired"
          ? "O prazo da reserva terminou e os lugares voltaram à venda. Este pedido não pode mais ser pago."
          : `Pedido ${(ORDER_STATUS[order.status] || order.status).toLowerCase()}.`),
        h("a", { class: "button primary", href: `#/evento/${order.event_id}` }, "Escolher lugares de novo"),
      );
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

  const invoiceArea = h("p", { class: "invoice" });
  let invoiceAsked = false;

  async function drawTickets(attempt = 0) {
    if (attempt === 0) replace(ticketsArea, h("h2", { id: "titulo-ingressos" }, "Ingressos"), h("p", { class: "loading" }, "Gerando seus ingressos…"));
    let answer;
    try {
      answer = await call("GET", `/orders/${orderId}/tickets`);
    } catch (error) {
      replace(ticketsArea, h("h2", { id: "titulo-ingressos" }, "Ingressos"), errorBox(error));
      return;
    }
    const ready = answer.items.length && answer.items.every((ticket) => ticket.pdf_url);
    if (!answer.items.length || !ready) {
      // tickets and their PDFs are made just after the payment: ask again until they are there
      if (attempt < 40 && ticketsArea.isConnected) setTimeout(() => drawTickets(attempt + 1).catch(() => {}), 1500);
      if (!answer.items.length) return;
    }
    replace(ticketsArea,
      h("h2", { id: "titulo-ingressos" }, "Ingressos"),
      ticketList(answer.items, event),
    );
    if (!invoiceAsked) {
      invoiceAsked = true;
      drawInvoice(orderId, invoiceArea).catch(() => {});
    }
  }

  page(`Pedido de ${event.name}`,
    h("p", { class: "when" }, formatLongDate(event.starts_at, tz)),
    statusLine, countdown, table, payArea, ticketsArea, invoiceArea,
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

// ------------------------------------------------------------------ tickets on screen
// Each ticket with its QR; "Mostrar QR Code" opens it full screen (bright, large) for the door's scanner.
// A ticket transferred away (no code any more) shows only its place; `extra(ticket, place)` adds controls.
function ticketList(items, event, extra = () => null) {
  return h("ul", { class: "tickets" }, items.map((ticket) => {
    const place = `${ticket.sector}${ticket.seat_label ? ` — ${ticket.seat_label}` : ""}`;
    if (!ticket.code) {
      return h("li", { class: "ticket" },
        h("p", { class: "ticket-place" }, place),
        h("p", { class: "hint" }, "Transferido para outra pessoa: o QR Code deste ingresso agora é dela."));
    }
    const dialog = h("dialog", { class: "qr-full", "aria-label": `QR Code do ingresso ${place}` },
      h("p", { class: "qr-full-title" }, event ? `${event.name} · ${place}` : place),
      qrImage(ticket.code, `QR Code do ingresso ${place} em tela cheia`, "qr-big"),
      h("p", { class: "qr-full-code" }, ticket.code),
      h("form", { method: "dialog" }, h("button", { type: "submit", class: "button primary" }, "Fechar")),
    );
    return h("li", { class: "ticket" },
      event ? h("p", { class: "ticket-event" }, event.name, h("br"), h("span", { class: "hint" }, formatLongDate(event.starts_at, event.timezone))) : null,
      h("p", { class: "ticket-place" }, place),
      h("p", {}, ticket.type === "half" ? `Meia-entrada${ticket.half_category ? ` — ${HALF_CATEGORIES[ticket.half_category] || ""}` : ""} (leve o comprovante)` : "Inteira"),
      qrImage(ticket.code, `QR Code do ingresso ${place}`, "ticket-qr"),
      h("button", { type: "button", class: "button primary", onclick: () => dialog.showModal() }, `Mostrar QR Code em tela cheia — ${place}`),
      h("p", { class: "hint" }, "Código do ingresso (o mesmo do QR Code):"),
      h("p", { class: "ticket-code" }, ticket.code),
      ticket.pdf_url
        ? h("a", { class: "button", href: ticket.pdf_url, download: `ingresso-${ticket.code}.pdf`, rel: "noopener" }, `Baixar PDF — ${place}`)
        : h("p", { class: "hint" }, "Preparando o PDF…"),
      extra(ticket, place),
      dialog,
    );
  }));
}

// The invoice (NF-e) link once it is issued, asked again for a while after the payment.
async function drawInvoice(orderId, area, attempt = 0) {
  try {
    const invoice = await call("GET", `/orders/${orderId}/invoice`);
    replace(area, h("a", { href: invoice.url, rel: "noopener", target: "_blank" }, `Nota fiscal (NF-e nº ${invoice.number})`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && attempt < 30 && document.contains(area)) {
      replace(area, h("span", { class: "hint" }, "A nota fiscal é emitida logo após o pagamento…"));
      setTimeout(() => drawInvoice(orderId, area, attempt + 1).catch(() => {}), 2000);
    } else replace(area);
  }
}

// ------------------------------------------------------------------ my tickets
// Every ticket I hold now (bought or received), by event; a valid one can be transferred to another account.
async function ticketsPage() {
  const page = pager();
  if (!requireSignIn()) return;
  page("Meus ingressos", h("p", { class: "loading" }, "Carregando…"));
  const answer = await call("GET", "/tickets");
  const byEvent = new Map();
  for (const ticket of answer.items) {
    if (!byEvent.has(ticket.event.id)) byEvent.set(ticket.event.id, { event: ticket.event, items: [] });
    byEvent.get(ticket.event.id).items.push(ticket);
  }
  const sections = [...byEvent.values()].map(({ event, items }) =>
    ticketList(items, event, (ticket, place) => ticketStatus(ticket) || transferControls(ticket, place)));
  page("Meus ingressos", sections.length
    ? [h("p", { class: "hint" }, "Na entrada, abra o QR Code em tela cheia e aumente o brilho da tela."), sections]
    : h("p", {}, "Você ainda não tem ingressos pagos. ", h("a", { href: "#/" }, "Ver eventos")));
}

function ticketStatus(ticket) {
  if (ticket.status === "checked_in") return h("p", { class: "hint" }, "Já utilizado na entrada.");
  if (ticket.status === "refunded") return h("p", { class: "hint" }, "Reembolsado: este ingresso não vale mais.");
  return null;
}

const TRANSFER_PROBLEMS = {
  "not-found": "Não há conta com este e-mail. Peça para a pessoa criar uma conta e tente de novo.",
  "limit-exceeded": "A pessoa já chegou ao limite de ingressos por CPF deste evento.",
  "invalid-state": "Este ingresso não pode mais ser transferido: ele já foi usado ou reembolsado, ou faltam menos de 2 horas para o evento.",
};

// "Transferir ingresso": the recipient's e-mail (and, for a half-price ticket, their category), then the
// ticket leaves this list; its QR stops working and the recipient gets a new one.
function transferControls(ticket, place) {
  const ids = { email: `transferir-email-${ticket.id}`, half: `transferir-meia-${ticket.id}`, form: `transferir-${ticket.id}` };
  const feedback = h("div");
  async function submit(e) {
    e.preventDefault();
    const data = new FormData(e.target);
    const body = { email: String(data.get("email") || "").trim() };
    if (ticket.type === "half") body.half_category = data.get("half_category") || undefined;
    try {
      await call("POST", `/tickets/${ticket.id}/transfer`, { body });
      announce(`Ingresso transferido para ${body.email}. O QR Code antigo não vale mais.`, "success", "#/ingressos");
      reroute();
    } catch (error) {
      if (error instanceof ApiError && TRANSFER_PROBLEMS[error.name]) {
        sayError(feedback, TRANSFER_PROBLEMS[error.name]);
      } else showErrors(e.target, feedback, error, { email: ids.email, half_category: ids.half });
    }
  }
  const form = h("form", { id: ids.form, class: "panel transfer", onsubmit: submit, hidden: true, "aria-label": `Transferir ingresso — ${place}` },
    feedback,
    h("div", { class: "field" },
      h("label", { for: ids.email }, "E-mail de quem vai receber"),
      h("input", { id: ids.email, name: "email", type: "email", required: true, autocomplete: "off" })),
    ticket.type === "half"
      ? h("div", { class: "field" },
        h("label", { for: ids.half }, "Categoria da meia-entrada de quem vai receber"),
        h("select", { id: ids.half, name: "half_category", required: true },
          h("option", { value: "" }, "Escolha…"),
          Object.entries(HALF_CATEGORIES).map(([value, label]) => h("option", { value }, label))))
      : null,
    h("p", { class: "hint" }, "A pessoa precisa ter uma conta. O QR Code atual deixa de valer e ela recebe um novo; o pedido e a nota fiscal continuam com você."),
    h("button", { type: "submit", class: "button primary" }, "Confirmar transferência"),
  );
  const open = h("button", {
    type: "button", class: "button", "aria-expanded": "false", "aria-controls": ids.form,
    onclick: () => {
      form.hidden = !form.hidden;
      open.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.querySelector("input").focus();
    },
  }, `Transferir ingresso — ${place}`);
  return h("div", {}, open, form);
}

// ------------------------------------------------------------------ my account: my data, delete
async function accountPage() {
  const page = pager();
  if (!requireSignIn()) return;
  page("Minha conta", h("p", { class: "loading" }, "Carregando…"));
  const me = await call("GET", "/users/me");
  const dataFeedback = h("div", { role: "status" });
  const deleteFeedback = h("div");
  async function download() {
    try {
      const data = await call("GET", "/users/me/export");
      const file = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = h("a", { href: URL.createObjectURL(file), download: "meus-dados.json" });
      document.body.append(link);
      link.click();
      link.remove();
      replace(dataFeedback, h("p", { class: "hint" },
        `Arquivo meus-dados.json gerado: ${data.orders.length} pedido(s), ${data.tickets.length} ingresso(s), ${data.emails.length} e-mail(s).`));
    } catch (error) {
      replace(dataFeedback, errorBox(error));
    }
  }
  const confirm = h("dialog", { "aria-labelledby": "titulo-confirmar-exclusao", class: "confirm" },
    h("h2", { id: "titulo-confirmar-exclusao" }, "Excluir sua conta?"),
    h("p", {}, "Você não poderá mais entrar. Seu nome, e-mail e CPF serão apagados; as notas fiscais ficam guardadas pelo prazo da lei (5 anos) e depois também são apagadas."),
    deleteFeedback,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "button danger", onclick: confirmDelete }, "Sim, excluir minha conta"),
      h("button", { type: "button", class: "button", onclick: () => confirm.close() }, "Cancelar")),
  );
  async function confirmDelete() {
    try {
      await call("DELETE", "/users/me");
      confirm.close();
      signOut();
      announce("Sua conta foi excluída.", "success", "#/");
      goTo("#/");
    } catch (error) {
      const message = error instanceof ApiError && error.name === "invalid-state"
        ? "Você tem ingressos para eventos que ainda vão acontecer. Transfira-os ou espere os eventos passarem para excluir a conta."
        : errorText(error);
      sayError(deleteFeedback, message);
    }
  }
  page("Minha conta",
    h("p", {}, `${me.name} — ${me.email}`),
    h("section", { class: "panel", "aria-labelledby": "titulo-meus-dados" },
      h("h2", { id: "titulo-meus-dados" }, "Meus dados"),
      h("p", {}, "Baixe uma cópia de tudo o que guardamos sobre você (perfil, pedidos, pagamentos, ingressos, notas fiscais, entradas e e-mails), em JSON."),
      h("button", { type: "button", class: "button primary", onclick: download }, "Baixar meus dados"),
      dataFeedback),
    h("section", { class: "panel", "aria-labelledby": "titulo-excluir" },
      h("h2", { id: "titulo-excluir" }, "Excluir minha conta"),
      h("p", {}, "Não é possível excluir a conta enquanto você tiver ingressos para eventos que ainda vão acontecer."),
      h("button", { type: "button", class: "button danger", onclick: () => { replace(deleteFeedback); confirm.showModal(); } }, "Excluir minha conta"),
      confirm),
  );
}

// ------------------------------------------------------------------ my orders
async function ordersPage() {
  const page = pager();
  if (!requireSignIn()) return;
  page("Meus pedidos", h("p", { class: "loading" }, "Carregando…"));
  const [answer, waiting] = await Promise.all([
    call("GET", "/orders?limit=50"),
    call("GET", "/waitlist").catch(() => ({ items: [] })),
  ]);
  const entries = waiting.items || [];
  const events = new Map();
  await Promise.all([...new Set([...answer.items, ...entries].map((o) => o.event_id))].map(async (id) => {
    events.set(id, await call("GET", `/events/${id}`, { auth: false }).catch(() => null));
  }));
  const rows = answer.items.map((order) => {
    const event = events.get(order.event_id);
    const places = (order.tickets || []).map((t) => t.seat_label || `${t.quantity || 1}× ${t.sector || "Pista"}`).join(", ");
    return h("tr", {},
      h("td", {}, h("a", { href: `#/pedido/${order.id}` }, event?.name || "Evento"),
        h("br"), h("span", { class: "hint" }, event ? formatDateTime(event.starts_at, event.timezone, { dateStyle: "short" }) : "")),
      h("td", {}, places || "—"),
      h("td", {}, ORDER_STATUS[order.status] || order.status),
      h("td", { class: "number" }, formatMoney(order.total_cents)),
    );
  });
  page("Meus pedidos", answer.items.length
    ? h("div", { class: "table-scroll" }, h("table", {}, h("caption", {}, "Seus pedidos, do mais recente"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Evento e data"), h("th", { scope: "col" }, "Lugares"), h("th", { scope: "col" }, "Situação"), h("th", { scope: "col", class: "number" }, "Total"))),
      h("tbody", {}, rows)))
    : h("p", {}, "Você ainda não tem pedidos. ", h("a", { href: "#/" }, "Ver eventos")),
    waitlistEntries(entries, events, () => ordersPage().catch(showError)));
}

// The buyer's waiting-list entries: where they stand, the offer to pay, and leaving the list.
function waitlistEntries(entries, events, reload) {
  if (!entries.length) return null;
  const rows = entries.map((entry) => {
    const event = events.get(entry.event_id);
    let status = WAITLIST_STATUS[entry.status] || entry.status;
    if (entry.status === "waiting" && entry.position) status += ` (posição ${entry.position})`;
    if (entry.status === "offered" && entry.offer_expires_at && event) status += ` até ${formatDateTime(entry.offer_expires_at, event.timezone, { timeStyle: "short" })}`;
    async function leave() {
      try {
        await call("DELETE", `/waitlist/${entry.id}`);
        announce("Você saiu da lista de espera.", "success", "#/pedidos");
        reload();
      } catch (error) {
        showError(error);
      }
    }
    const live = entry.status === "waiting" || entry.status === "offered";
    return h("tr", { "data-waitlist": entry.id, "data-status": entry.status },
      h("td", {}, event ? h("a", { href: `#/evento/${entry.event_id}` }, event.name) : "Evento"),
      h("td", {}, `${entry.quantity}× ${entry.sector || "Setor"}`),
      h("td", {}, status),
      h("td", {},
        entry.status === "offered" && entry.order_id ? h("a", { class: "button primary", href: `#/pedido/${entry.order_id}` }, "Pagar") : null,
        live ? h("button", { type: "button", class: "button", onclick: leave }, "Sair da lista") : null),
    );
  });
  return h("section", { class: "waitlist-mine", "aria-labelledby": "minha-lista" },
    h("h2", { id: "minha-lista" }, "Lista de espera"),
    h("div", { class: "table-scroll" }, h("table", {}, h("caption", {}, "Suas entradas em listas de espera"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Evento"), h("th", { scope: "col" }, "Lugares"), h("th", { scope: "col" }, "Situação"), h("th", { scope: "col" }, "Ações"))),
      h("tbody", {}, rows))));
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
    h("p", {}, h("a", { class: "button primary", href: "console.html" }, "Abrir o console do organizador"),
      " ", h("a", { class: "button", href: "scanner.html" }, "Leitor de ingressos na porta")),
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

async function route(parts, query) {
  if (parts.length === 0) await eventsPage(query);
  else if (parts[0] === "evento" && parts[1]) await eventPage(parts[1]);
  else if (parts[0] === "fila" && parts[1]) await queuePage(parts[1]);
  else if (parts[0] === "pedido" && parts[1]) await orderPage(parts[1]);
  else if (parts[0] === "pedidos") await ordersPage();
  else if (parts[0] === "ingressos") await ticketsPage();
  else if (parts[0] === "conta") await accountPage();
  else if (parts[0] === "entrar") signInPage(query);
  else if (parts[0] === "esqueci-senha") forgotPasswordPage(query);
  else if (parts[0] === "organizador") await organizerPage();
  else pager()("Página não encontrada", h("p", {}, h("a", { href: "#/" }, "Ver eventos")));
}

signOutButton(signOut, "Você saiu da sua conta.", "#/");
keepHeader(session, ["organizer"]);
startRouting(route, showError);
