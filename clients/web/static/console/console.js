// The organizer console: hash routes for my events, one event's form (fields, status, image, sectors with a
// seat-map editor, add-ons), its live sales, its order desk, and the admins' organizers page. It speaks
// only the public HTTP API (../api.js), so nothing here is impossible through the API.
import { ApiError, call, session, signIn, signOut } from "../api.js";
import { h, replace } from "../dom.js";
import { announce, errorBox, errorText, every, goTo, keepHeader, pager as sitePager, reroute, signOutButton, startRouting } from "../page.js";
import { HALF_CATEGORIES, ORDER_STATUS, PAYMENT_STATUS, formatDateTime, formatMoney } from "../format.js";
import { csvText, centsToInput, nextRowName, parseMoney, seatsOfRows, utcToZoned, zonedToUtc } from "./convert.js";
import { salesChart } from "./chart.js";

const main = document.getElementById("conteudo");
const POLL_MS = 5000;
const TIME_ZONES = {
  "America/Sao_Paulo": "Brasília (São Paulo, Rio, BH, Sul, Nordeste)",
  "America/Manaus": "Amazonas (Manaus)",
  "America/Cuiaba": "Mato Grosso (Cuiabá)",
  "America/Campo_Grande": "Mato Grosso do Sul (Campo Grande)",
  "America/Porto_Velho": "Rondônia (Porto Velho)",
  "America/Boa_Vista": "Roraima (Boa Vista)",
  "America/Rio_Branco": "Acre (Rio Branco)",
  "America/Belem": "Pará (Belém)",
  "America/Fortaleza": "Ceará (Fortaleza)",
  "America/Recife": "Pernambuco (Recife)",
  "America/Bahia": "Bahia (Salvador)",
  "America/Noronha": "Fernando de Noronha",
};
const SALES_COLUMNS = ["Setor", "Vendidos", "Disponíveis", "Receita", "Cota de meia usada", "Lotes vendidos"];
const PAYMENT_METHODS = { pix: "PIX", card: "Cartão", boleto: "Boleto" };
const ROLE_NAMES = { buyer: "comprador(a)", organizer: "organizador(a)", admin: "administrador(a)" };
const EVENT_STATUS = { draft: "Rascunho", on_sale: "À venda", closed: "Vendas encerradas", cancelled: "Cancelado" };

const pager = () => sitePager("Console do organizador");

function roles() {
  return session()?.roles || [];
}

// A labelled input: the label names the control (tests and screen readers find it by that name).
function field(id, label, input, hint) {
  const hintId = hint ? `${id}-dica` : undefined;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("p", { class: "hint", id: hintId }, hint) : null);
}

// An input for a whole number and one for an amount in reais ("150,00"); `attributes` add bounds, value…
function numberInput(name, attributes = {}) {
  return h("input", { name, type: "number", inputmode: "numeric", ...attributes });
}

function moneyInput(name, attributes = {}) {
  return h("input", { name, inputmode: "decimal", ...attributes });
}

// A panel form headed by `title` (an h3 whose `id` names the form for screen readers).
function panelForm(id, title, onsubmit, ...content) {
  return h("form", { class: "panel", onsubmit, "aria-labelledby": id }, h("h3", { id }, title), ...content);
}

// Shows an API refusal beside the fields it names (`fields` maps API field names to input ids).
function showErrors(form, box, error, fields = {}) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  replace(box, errorBox(error));
  let first = null;
  for (const { field: name } of error instanceof ApiError ? error.fields : []) {
    const key = name.replace(/^body\./, "");
    const id = fields[key] || fields[key.split(".")[0]];
    const input = id && form.querySelector(`#${CSS.escape(id)}`);
    if (!input || input.getAttribute("aria-invalid")) continue;
    input.setAttribute("aria-invalid", "true");
    input.after(h("p", { class: "field-error" }, `Confira este campo (${labelOf(input)}).`));
    first = first || input;
  }
  (first || box).scrollIntoView({ block: "center" });
  if (first) first.focus({ preventScroll: true });
}

// A table of `columns` (their names) over `rows` (tr elements), inside a scrolling box when `scroll`. On a
// phone its rows become cards: each cell shows its column's name (CSS: table.stack).
function stackTable(columns, rows, { caption, className, scroll } = {}) {
  const table = h("table", { class: className ? `${className} stack` : "stack" },
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, rows));
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => { if (columns[i]) cell.dataset.label = columns[i]; });
  }
  return scroll ? h("div", { class: "table-scroll" }, table) : table;
}

function labelOf(input) {
  return document.querySelector(`label[for="${CSS.escape(input.id)}"]`)?.textContent || "campo";
}

// A modal question with two buttons; resolves true when the organizer confirms.
function confirmDialog(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-labelledby": "confirmar-titulo" },
      h("h2", { id: "confirmar-titulo" }, title),
      h("p", {}, text),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "button danger", onclick: () => dialog.close("yes") }, confirmLabel),
        h("button", { type: "button", class: "button", onclick: () => dialog.close("no") }, "Voltar"),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } finally {
    button.disabled = false;
  }
}

// Sends a form's `request` with its submit button disabled: `done(answer)` when it succeeds, and any refusal
// shown beside the form's fields (`ids` maps API field names to input ids).
async function sendForm(form, box, ids, request, done) {
  await busy(form.querySelector("button[type=submit]"), async () => {
    try {
      done(await request());
    } catch (error) {
      showErrors(form, box, error, ids);
    }
  });
}

async function myEvents() {
  const items = [];
  let cursor = null;
  do {
    const answer = await call("GET", `/events?mine=true&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...answer.items);
    cursor = answer.next_cursor;
  } while (cursor);
  return items;
}

// The event, if it is the caller's own: the order desk answers 404 for anyone else's (the API decides).
async function ownEvent(eventId) {
  const [event] = await Promise.all([call("GET", `/events/${eventId}`), call("GET", `/events/${eventId}/orders?limit=1`)]);
  return event;
}

function eventNav(eventId, current) {
  const links = [
    ["Dados do evento", `#/evento/${eventId}`],
    ["Vendas", `#/evento/${eventId}/vendas`],
    ["Pedidos", `#/evento/${eventId}/pedidos`],
  ];
  return h("nav", { class: "tabs", "aria-label": "Seções do evento" },
    links.map(([label, href]) => h("a", { href, "aria-current": label === current ? "page" : undefined }, label)));
}

// ------------------------------------------------------------------ sign-in
function signInPage(back) {
  const page = pager();
  const box = h("div", { "aria-live": "polite" });
  async function submit(e) {
    e.preventDefault();
    const form = e.target;
    await busy(form.querySelector("button"), async () => {
      try {
        const who = await signIn(form.email.value.trim(), form.password.value);
        if (!(who.roles || []).some((r) => r === "organizer" || r === "admin")) {
          signOut();
          replace(box, errorBox("Esta conta não é de organizador. Peça a um administrador para nomeá-la."));
          return;
        }
        const organizer = (who.roles || []).includes("organizer");
        goTo(!organizer && (!back || back === "#/") ? "#/admin" : back || "#/");
      } catch (error) {
        replace(box, errorBox(error.status === 401 ? "E-mail ou senha incorretos." : error));
      }
    });
  }
  page("Entrar no console",
    h("form", { class: "panel narrow", onsubmit: submit },
      field("email", "E-mail", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
      field("senha", "Senha", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
      box,
      h("button", { type: "submit", class: "button primary" }, "Entrar"),
    ),
  );
}

// ------------------------------------------------------------------ my events
async function eventsPage() {
  const page = pager();
  if (!roles().includes("organizer")) {
    page("Meus eventos", h("p", {}, "Sua conta é de administração: nomeie organizadores em ", h("a", { href: "#/admin" }, "Organizadores"), "."));
    return;
  }
  const events = await myEvents();
  const rows = events.map((e) => h("tr", {},
    h("th", { scope: "row" }, h("a", { href: `#/evento/${e.id}` }, e.name)),
    h("td", {}, formatDateTime(e.starts_at, e.timezone, { dateStyle: "short" })),
    h("td", {}, [e.venue, e.city].filter(Boolean).join(" — ")),
    h("td", {}, h("span", { class: `status status-${e.status}` }, EVENT_STATUS[e.status] || e.status)),
    h("td", { class: "actions-cell" },
      h("a", { href: `#/evento/${e.id}/vendas`, "aria-label": `Vendas de ${e.name}` }, "Vendas"),
      h("a", { href: `#/evento/${e.id}/pedidos`, "aria-label": `Pedidos de ${e.name}` }, "Pedidos")),
  ));
  page("Meus eventos",
    h("p", {}, h("a", { class: "button primary", href: "#/evento/novo" }, "Criar evento")),
    events.length
      ? stackTable(["Evento", "Quando", "Onde", "Situação", "Ver"], rows,
        { caption: `${events.length} ${events.length === 1 ? "evento" : "eventos"}`, className: "events-table", scroll: true })
      : h("p", { class: "hint" }, "Você ainda não criou eventos."),
  );
}

// ------------------------------------------------------------------ one event: its fields
function eventForm(event, onSaved) {
  const zone = event?.timezone || "America/Sao_Paulo";
  const queue = event?.queue || null;
  const box = h("div", { "aria-live": "polite" });
  const num = (name, value, attrs = {}) => numberInput(name, { value: value ?? "", ...attrs });
  const zoneSelect = h("select", { name: "timezone" },
    Object.entries(TIME_ZONES).map(([id, label]) => h("option", { value: id, selected: id === zone }, label)),
    TIME_ZONES[zone] ? null : h("option", { value: zone, selected: true }, zone));
  const queueOn = h("input", { name: "queue_enabled", type: "checkbox", checked: Boolean(queue?.enabled) });
  const form = h("form", { class: "panel event-form", onsubmit: submit },
    h("div", { class: "columns" },
      field("ev-nome", "Nome do evento", h("input", { name: "name", required: true, maxlength: 200, value: event?.name || "" })),
      field("ev-local", "Local", h("input", { name: "venue", required: true, maxlength: 200, value: event?.venue || "" })),
      field("ev-cidade", "Cidade", h("input", { name: "city", maxlength: 100, value: event?.city || "" })),
    ),
    h("div", { class: "columns" },
      field("ev-inicio", "Data e hora de início", h("input", { name: "starts_at", type: "datetime-local", required: true, value: utcToZoned(event?.starts_at, zone) }),
        "No horário do fuso horário escolhido."),
      field("ev-fuso", "Fuso horário", zoneSelect),
    ),
    field("ev-descricao", "Descrição", h("textarea", { name: "description", rows: 4, maxlength: 5000, class: "prose" }, event?.description || "")),
    h("fieldset", {}, h("legend", {}, "Regras de venda"),
      h("div", { class: "columns" },
        field("ev-reserva", "Minutos de reserva", num("hold_minutes", event?.hold_minutes ?? 15, { min: 1, max: 1440, required: true }), "Quanto tempo o comprador tem para pagar."),
        field("ev-por-pedido", "Ingressos por pedido", num("max_tickets_per_order", event?.max_tickets_per_order ?? 6, { min: 1, max: 100, required: true })),
        field("ev-taxa", "Taxa de conveniência (%)", num("service_fee_percent", event?.service_fee_percent ?? 0, { min: 0, max: 20, step: "0.01", required: true })),
        field("ev-cpf", "Limite por CPF", num("max_tickets_per_cpf", event?.max_tickets_per_cpf, { min: 1, max: 1000 }), "Vazio = sem limite."),
        field("ev-parcelas", "Parcelas no cartão", num("max_installments", event?.max_installments ?? 1, { min: 1, max: 12, required: true })),
      )),
    h("fieldset", {}, h("legend", {}, "Fila de espera"),
      h("label", { class: "choice", for: "ev-fila" }, queueOn, "Usar fila de espera na abertura das vendas"),
      h("div", { class: "columns" },
        field("ev-fila-ritmo", "Compradores admitidos por minuto", num("admit_per_minute", queue?.admit_per_minute ?? "", { min: 1, max: 100000 })),
        field("ev-fila-abre", "Abertura da fila", h("input", { name: "opens_at", type: "datetime-local", value: utcToZoned(queue?.opens_at, zone) }), "Vazio = agora."),
      )),
    box,
    h("button", { type: "submit", class: "button primary" }, event ? "Salvar alterações" : "Criar evento"),
  );
  queueOn.id = "ev-fila";
  const fieldIds = {
    name: "ev-nome", venue: "ev-local", city: "ev-cidade", starts_at: "ev-inicio", timezone: "ev-fuso", description: "ev-descricao",
    hold_minutes: "ev-reserva", max_tickets_per_order: "ev-por-pedido", service_fee_percent: "ev-taxa", max_tickets_per_cpf: "ev-cpf",
    max_installments: "ev-parcelas", queue: "ev-fila-ritmo", "queue.admit_per_minute": "ev-fila-ritmo", "queue.opens_at": "ev-fila-abre",
  };

  function body() {
    const f = form.elements;
    const timezone = f.timezone.value;
    const data = {
      name: f.name.value.trim(),
      venue: f.venue.value.trim(),
      starts_at: zonedToUtc(f.starts_at.value, timezone),
      timezone,
      description: f.description.value.trim() || (event ? "" : undefined),
      hold_minutes: Number(f.hold_minutes.value),
      max_tickets_per_order: Number(f.max_tickets_per_order.value),
      service_fee_percent: Number(f.service_fee_percent.value),
      max_installments: Number(f.max_installments.value),
    };
    if (f.city.value.trim()) data.city = f.city.value.trim();
    if (f.max_tickets_per_cpf.value) data.max_tickets_per_cpf = Number(f.max_tickets_per_cpf.value);
    else if (event?.max_tickets_per_cpf) data.max_tickets_per_cpf = null;
    if (f.queue_enabled.checked || queue) {
      data.queue = { enabled: f.queue_enabled.checked };
      if (f.admit_per_minute.value) data.queue.admit_per_minute = Number(f.admit_per_minute.value);
      if (f.opens_at.value) data.queue.opens_at = zonedToUtc(f.opens_at.value, timezone);
    }
    if (data.description === undefined) delete data.description;
    return data;
  }

  async function submit(e) {
    e.preventDefault();
    if (form.elements.queue_enabled.checked && !form.elements.admit_per_minute.value) {
      showErrors(form, box, new ApiError(422, { type: "validation", errors: [{ field: "queue.admit_per_minute", message: "" }] }), fieldIds);
      return;
    }
    await sendForm(form, box, fieldIds, () => (event ? call("PATCH", `/events/${event.id}`, { body: body() }) : call("POST", "/events", { body: body() })), onSaved);
  }
  return form;
}

function newEventPage() {
  const page = pager();
  page("Novo evento",
    h("p", { class: "hint" }, "O evento nasce como rascunho: só você o vê até publicá-lo. Depois de criado, adicione setores, lotes e adicionais."),
    eventForm(null, (saved) => {
      announce(`Evento “${saved.name}” criado como rascunho. Agora adicione os setores.`, "success", `#/evento/${saved.id}`);
      goTo(`#/evento/${saved.id}`);
    }),
  );
}

async function eventPage(eventId) {
  const page = pager();
  const event = await ownEvent(eventId);
  const statusArea = h("section", { class: "panel", "aria-labelledby": "situacao-titulo" });
  const sectorsArea = h("section", { "aria-labelledby": "setores-titulo" });
  const productsArea = h("section", { "aria-labelledby": "adicionais-titulo" });
  const cancelled = event.status === "cancelled";
  page(event.name,
    eventNav(eventId, "Dados do evento"),
    statusArea,
    cancelled ? h("p", { class: "hint" }, "Evento cancelado: seus dados, setores e adicionais não mudam mais.") : [
      h("h2", {}, "Dados do evento"),
      eventForm(event, (saved) => {
        announce("Alterações salvas.", "success");
        Object.assign(event, saved);
        drawStatus();
      }),
      imageUpload(event),
      sectorsArea,
      productsArea,
    ],
  );
  drawStatus();
  if (!cancelled) {
    drawSectors(event, sectorsArea);
    drawProducts(event, productsArea);
  }

  async function setStatus(status, button) {
    await busy(button, async () => {
      try {
        Object.assign(event, await call("PATCH", `/events/${eventId}`, { body: { status } }));
        announce({ on_sale: "Evento publicado: já está à venda.", closed: "Vendas encerradas.", cancelled: "Evento cancelado. Acompanhe os reembolsos abaixo." }[status], "success");
        if (status === "cancelled") reroute(); // the forms go: a cancelled event changes no more
        else drawStatus();
      } catch (error) {
        replace(statusArea.querySelector(".status-error"), errorBox(error));
      }
    });
  }

  function drawStatus() {
    const progress = event.refund_progress;
    const actions = [];
    if (event.status === "draft") actions.push(h("button", { type: "button", class: "button primary", onclick: (e) => setStatus("on_sale", e.target) }, "Publicar"));
    if (event.status === "closed") actions.push(h("button", { type: "button", class: "button primary", onclick: (e) => setStatus("on_sale", e.target) }, "Reabrir vendas"));
    if (event.status === "on_sale") actions.push(h("button", { type: "button", class: "button", onclick: (e) => setStatus("closed", e.target) }, "Encerrar vendas"));
    if (event.status !== "cancelled") {
      actions.push(h("button", {
        type: "button", class: "button danger",
        onclick: async (e) => {
          const button = e.target;
          if (await confirmDialog("Cancelar o evento?", "As vendas param, todos os pedidos pagos são reembolsados e os compradores recebem um e-mail. Não dá para desfazer.", "Cancelar evento")) {
            await setStatus("cancelled", button);
          }
        },
      }, "Cancelar evento"));
    }
    const refund = progress ? h("div", { class: "refunds" },
      h("label", { for: "progresso-reembolsos" }, "Reembolsos"),
      h("progress", { id: "progresso-reembolsos", max: Math.max(progress.total, 1), value: progress.total ? progress.refunded : 1 }),
      h("p", { role: "status" }, progress.finished_at
        ? `Reembolsos concluídos: ${progress.refunded} de ${progress.total} pedidos.`
        : `Reembolsando: ${progress.refunded} de ${progress.total} pedidos…`)) : null;
    replace(statusArea,
      h("h2", { id: "situacao-titulo" }, "Situação: ", h("span", { class: `status status-${event.status}` }, EVENT_STATUS[event.status] || event.status)),
      event.status === "on_sale" ? h("p", {}, h("a", { href: `./#/evento/${event.id}` }, "Ver a página de venda")) : null,
      h("div", { class: "actions" }, actions),
      h("div", { class: "status-error", "aria-live": "polite" }),
      refund,
    );
    if (progress && !progress.finished_at && !statusArea.dataset.polling) {
      statusArea.dataset.polling = "1";
      every(2000, async () => {
        if (event.refund_progress?.finished_at) return;
        Object.assign(event, await call("GET", `/events/${eventId}`));
        if (page.live()) drawStatus();
      });
    }
  }
}

function imageUpload(event) {
  const box = h("div", { "aria-live": "polite" });
  const preview = event.image_url ? h("img", { class: "event-image small", src: event.image_url, alt: `Imagem atual de ${event.name}` }) : null;
  const input = h("input", { type: "file", name: "image", accept: "image/jpeg,image/png,image/webp" });
  async function upload(e) {
    e.preventDefault();
    const file = input.files[0];
    if (!file) return replace(box, errorBox("Escolha um arquivo JPEG, PNG ou WebP."));
    if (file.size > 5 * 1024 * 1024) return replace(box, errorBox("A imagem passa de 5 MB."));
    await busy(e.target.querySelector("button"), async () => {
      try {
        const grant = await call("POST", `/events/${event.id}/image`, { body: { content_type: file.type } });
        const data = new FormData();
        for (const [k, v] of Object.entries(grant.fields || {})) data.append(k, v);
        data.append("file", file);
        // The bucket answers without CORS headers: the POST goes out "no-cors" and the image, loaded from
        // where buyers will load it, tells whether it arrived.
        await fetch(grant.upload_url, { method: "POST", body: data, mode: "no-cors" });
        const shown = h("img", { class: "event-image small", src: grant.image_url, alt: `Imagem de ${event.name}` });
        await new Promise((resolve, reject) => { shown.onload = resolve; shown.onerror = reject; });
        replace(box, h("p", { role: "status" }, "Imagem enviada: é esta que a loja mostra."), shown);
        preview?.remove();
      } catch (error) {
        replace(box, errorBox(error instanceof ApiError ? error : "Não foi possível enviar a imagem (formato aceito e até 5 MB?). Tente de novo."));
      }
    });
  }
  return h("form", { class: "panel", onsubmit: upload, "aria-labelledby": "imagem-titulo" },
    h("h2", { id: "imagem-titulo" }, "Imagem do evento"),
    preview,
    field("ev-imagem", "Arquivo da imagem", input, "JPEG, PNG ou WebP de até 5 MB; aparece na vitrine da loja."),
    box,
    h("button", { type: "submit", class: "button" }, "Enviar imagem"));
}

// ------------------------------------------------------------------ sectors: general and seated
function drawSectors(event, area) {
  const sectors = event.sectors || [];
  const rowsState = [{ row: "A", seats: 10 }];
  const tiersState = [];
  const box = h("div", { "aria-live": "polite" });
  const preview = h("div", { class: "seat-preview" });
  const rowsArea = h("div", { class: "rows-editor" });
  const tiersArea = h("div", { class: "tiers-editor" });
  const kindGeneral = h("input", { type: "radio", name: "kind", value: "general", id: "setor-geral", checked: true, onchange: toggleKind });
  const kindSeated = h("input", { type: "radio", name: "kind", value: "seated", id: "setor-numerado", onchange: toggleKind });
  const capacity = h("div", {}, field("setor-capacidade", "Capacidade", numberInput("capacity", { min: 1 })));
  const seated = h("fieldset", { hidden: true }, h("legend", {}, "Mapa de assentos"), rowsArea,
    h("button", { type: "button", class: "button", onclick: () => { rowsState.push({ row: nextRowName(rowsState.at(-1)?.row), seats: rowsState.at(-1)?.seats || 10 }); drawRows(true); } }, "Adicionar fileira"),
    h("h3", {}, "Prévia do mapa (como o comprador verá)"), preview);
  const form = panelForm("novo-setor-titulo", "Novo setor", submit,
    h("div", { class: "columns" },
      field("setor-nome", "Nome do setor", h("input", { name: "name", required: true, maxlength: 100 })),
      field("setor-preco", "Preço inteira (R$)", moneyInput("price", { required: true, placeholder: "150,00" })),
      field("setor-meia", "Cota de meia-entrada", numberInput("half_quota", { min: 0 }), "Vazio = 40% dos lugares (Lei 12.933/2013)."),
    ),
    h("fieldset", { class: "kinds" }, h("legend", {}, "Tipo de setor"),
      h("label", { class: "choice", for: "setor-geral" }, kindGeneral, "Pista (lugares sem número)"),
      h("label", { class: "choice", for: "setor-numerado" }, kindSeated, "Numerado (assentos marcados)")),
    capacity, seated,
    h("fieldset", {}, h("legend", {}, "Lotes (opcional)"),
      h("p", { class: "hint" }, "Cada lote vale até vender a quantidade ou chegar a data; depois vale o próximo."), tiersArea,
      h("button", { type: "button", class: "button", onclick: () => { tiersState.push({ name: `${tiersState.length + 1}º lote`, price: "", quantity: "", ends_at: "" }); drawTiers(true); } }, "Adicionar lote")),
    box,
    h("button", { type: "submit", class: "button primary" }, "Salvar setor"));

  function toggleKind() {
    const isSeated = kindSeated.checked;
    seated.hidden = !isSeated;
    capacity.hidden = isSeated;
    if (isSeated) drawRows();
  }

  function drawRows(focusLast) {
    replace(rowsArea, rowsState.map((r, i) => h("div", { class: "row-editor" },
      field(`fileira-${i}`, `Fileira ${i + 1}: nome`, h("input", { value: r.row, maxlength: 5, pattern: "[A-Za-z0-9]+", oninput: (e) => { r.row = e.target.value.trim(); drawPreview(); } })),
      field(`fileira-${i}-assentos`, `Fileira ${i + 1}: assentos`, h("input", { type: "number", min: 1, max: 200, value: r.seats, oninput: (e) => { r.seats = Number(e.target.value); drawPreview(); } })),
      h("button", { type: "button", class: "button secondary", "aria-label": `Remover fileira ${r.row || i + 1}`, disabled: rowsState.length === 1, onclick: () => { rowsState.splice(i, 1); drawRows(); } }, "Remover"),
    )));
    drawPreview();
    if (focusLast) rowsArea.querySelector(`#fileira-${rowsState.length - 1}`)?.focus();
  }

  function drawPreview() {
    const rows = seatsOfRows(rowsState);
    const total = rows.reduce((n, r) => n + r.seats.length, 0);
    replace(preview,
      h("div", { class: "seat-map", role: "img", "aria-label": `Prévia do mapa: ${rows.length} fileiras, ${total} assentos` },
        h("div", { class: "stage", "aria-hidden": "true" }, "PALCO"),
        rows.map((r) => h("div", { class: "seat-row" },
          h("span", { class: "row-label" }, r.row),
          r.seats.map((s) => h("span", { class: "seat seat-available", title: s.label }, s.number)),
          h("span", { class: "row-label" }, r.row)))),
      h("p", { class: "hint" }, `${total} assentos; etiquetas como ${rows[0]?.seats[0]?.label || "A-1"}.`));
  }

  function drawTiers(focusLast) {
    replace(tiersArea, tiersState.map((t, i) => h("div", { class: "tier-editor" },
      field(`lote-${i}-nome`, `Lote ${i + 1}: nome`, h("input", { value: t.name, maxlength: 100, oninput: (e) => { t.name = e.target.value; } })),
      field(`lote-${i}-preco`, `Lote ${i + 1}: preço (R$)`, h("input", { value: t.price, inputmode: "decimal", oninput: (e) => { t.price = e.target.value; } })),
      field(`lote-${i}-quantidade`, `Lote ${i + 1}: quantidade`, h("input", { type: "number", min: 1, value: t.quantity, oninput: (e) => { t.quantity = e.target.value; } }), "Vazio = sem limite."),
      field(`lote-${i}-fim`, `Lote ${i + 1}: termina em`, h("input", { type: "datetime-local", value: t.ends_at, oninput: (e) => { t.ends_at = e.target.value; } })),
      h("button", { type: "button", class: "button secondary", "aria-label": `Remover lote ${i + 1}`, onclick: () => { tiersState.splice(i, 1); drawTiers(); } }, "Remover"),
    )));
    if (focusLast) tiersArea.querySelector(`#lote-${tiersState.length - 1}-nome`)?.focus();
  }

  async function submit(e) {
    e.preventDefault();
    const f = form.elements;
    const price = parseMoney(f.price.value);
    const ids = { name: "setor-nome", price_cents: "setor-preco", capacity: "setor-capacidade", half_quota: "setor-meia", rows: "fileira-0" };
    tiersState.forEach((_, i) => { ids[`tiers.${i}.price_cents`] = `lote-${i}-preco`; ids[`tiers.${i}.name`] = `lote-${i}-nome`; ids[`tiers.${i}.quantity`] = `lote-${i}-quantidade`; ids[`tiers.${i}.ends_at`] = `lote-${i}-fim`; });
    const local = [];
    if (price === null) local.push({ field: "price_cents" });
    const tiers = tiersState.map((t, i) => {
      const tierPrice = parseMoney(t.price);
      if (tierPrice === null) local.push({ field: `tiers.${i}.price_cents` });
      const tier = { name: t.name.trim(), price_cents: tierPrice };
      if (t.quantity) tier.quantity = Number(t.quantity);
      if (t.ends_at) tier.ends_at = zonedToUtc(t.ends_at, event.timezone);
      return tier;
    });
    if (local.length) return showErrors(form, box, new ApiError(422, { type: "validation", errors: local }), ids);
    const body = { name: f.name.value.trim(), kind: kindSeated.checked ? "seated" : "general", price_cents: price };
    if (f.half_quota.value !== "") body.half_quota = Number(f.half_quota.value);
    if (kindSeated.checked) body.rows = rowsState.map((r) => ({ row: r.row, seats: r.seats }));
    else body.capacity = f.capacity.value ? Number(f.capacity.value) : undefined;
    if (tiers.length) body.tiers = tiers;
    await sendForm(form, box, ids, () => call("POST", `/events/${event.id}/sectors`, { body }), (made) => {
      event.sectors = [...(event.sectors || []), made];
      announce(`Setor “${made.name}” criado.`, "success");
      drawSectors(event, area);
    });
  }

  replace(area,
    h("h2", { id: "setores-titulo" }, "Setores"),
    sectors.length ? stackTable(["Setor", "Tipo", "Preço", "Meia", "Lugares", "Disponíveis", "Cota de meia"], sectors.map((s) => h("tr", {},
      h("th", { scope: "row" }, s.name, s.tier ? h("span", { class: "fee" }, `Lote atual: ${s.tier.name || s.tier}`) : null),
      h("td", {}, s.kind === "seated" ? "Numerado" : "Pista"),
      h("td", { class: "number" }, formatMoney(s.price_cents)),
      h("td", { class: "number" }, formatMoney(s.half_price_cents)),
      h("td", { class: "number" }, s.capacity),
      h("td", { class: "number" }, s.available),
      h("td", { class: "number" }, `${s.half_quota} (${s.half_available} livres)`))), { scroll: true }) : h("p", { class: "hint" }, "Nenhum setor ainda: o evento precisa de pelo menos um para ser publicado."),
    form);
  drawTiers();
}

// ------------------------------------------------------------------ add-ons
async function drawProducts(event, area) {
  let mine = [];
  try {
    const answer = await call("GET", `/products?event_id=${event.id}`);
    mine = answer.items.filter((p) => p.event_id === event.id);
  } catch {
    // a draft's add-ons are listed once it is published; the form below still adds them
  }
  const box = h("div", { "aria-live": "polite" });
  const form = panelForm("novo-adicional-titulo", "Novo adicional", submit,
    h("div", { class: "columns" },
      field("adicional-nome", "Nome do adicional", h("input", { name: "name", required: true, maxlength: 200 })),
      field("adicional-preco", "Preço do adicional (R$)", moneyInput("price", { required: true, placeholder: "25,00" })),
      field("adicional-estoque", "Estoque", numberInput("stock", { min: 0 }), "Vazio = ilimitado."),
    ),
    field("adicional-descricao", "Descrição do adicional", h("input", { name: "description", maxlength: 2000 })),
    box,
    h("button", { type: "submit", class: "button primary" }, "Adicionar adicional"));
  async function submit(e) {
    e.preventDefault();
    const f = form.elements;
    const price = parseMoney(f.price.value);
    const ids = { name: "adicional-nome", price_cents: "adicional-preco", stock: "adicional-estoque", description: "adicional-descricao" };
    if (price === null) return showErrors(form, box, new ApiError(422, { type: "validation", errors: [{ field: "price_cents" }] }), ids);
    const body = { name: f.name.value.trim(), price_cents: price, event_id: event.id };
    if (f.stock.value !== "") body.stock = Number(f.stock.value);
    if (f.description.value.trim()) body.description = f.description.value.trim();
    await sendForm(form, box, ids, () => call("POST", "/products", { body }), (made) => {
      announce(`Adicional “${made.name}” criado.`, "success");
      drawProducts(event, area);
    });
  }
  replace(area,
    h("h2", { id: "adicionais-titulo" }, "Adicionais"),
    mine.length ? stackTable(["Adicional", "Preço", "Estoque disponível"], mine.map((p) => h("tr", {}, h("th", { scope: "row" }, p.name), h("td", { class: "number" }, formatMoney(p.price_cents)),
      h("td", { class: "number" }, p.available ?? "ilimitado")))) : h("p", { class: "hint" }, "Nenhum adicional (estacionamento, camiseta…) ainda."),
    event.status === "draft" ? h("p", { class: "hint" }, "Os adicionais aparecem aqui e na loja depois que o evento é publicado.") : null,
    form);
}

// ------------------------------------------------------------------ live sales
async function salesPage(eventId) {
  const page = pager();
  const event = await ownEvent(eventId);
  const area = h("div", {});
  const updated = h("p", { class: "hint", role: "status" });
  const chartBox = h("figure", { class: "chart" });
  page(`Vendas — ${event.name}`, eventNav(eventId, "Vendas"), updated, chartBox, area);
  let chart = null;
  async function load() {
    const [report, fresh] = await Promise.all([call("GET", `/events/${eventId}/report`), call("GET", `/events/${eventId}`)]);
    if (!page.live()) return;
    chart = salesChart(chartBox, report.sales_by_day || [], chart);
    draw(report, fresh);
    updated.textContent = `Atualizado às ${new Intl.DateTimeFormat("pt-BR", { timeStyle: "medium" }).format(new Date())}; atualiza sozinho a cada ${POLL_MS / 1000} segundos.`;
  }
  function draw(report, fresh) {
    const sectorsById = Object.fromEntries((fresh.sectors || []).map((s) => [s.id, s]));
    replace(area,
      h("dl", { class: "figures big" },
        h("dt", {}, "Ingressos vendidos"), h("dd", { "data-figure": "tickets" }, String(report.tickets_sold)),
        h("dt", {}, "Receita"), h("dd", {}, formatMoney(report.revenue_cents)),
        h("dt", {}, "Taxas de conveniência"), h("dd", {}, formatMoney(report.fees_cents)),
        h("dt", {}, "Líquido"), h("dd", {}, formatMoney(report.net_cents))),
      stackTable(SALES_COLUMNS, (report.by_sector || []).map((s) => {
        const sector = sectorsById[s.sector_id] || {};
        const used = sector.half_quota !== undefined ? sector.half_quota - sector.half_available : null;
        return h("tr", {},
          h("th", { scope: "row" }, s.name),
          h("td", { class: "number" }, s.tickets_sold),
          h("td", { class: "number" }, s.available),
          h("td", { class: "number" }, formatMoney(s.revenue_cents)),
          h("td", { class: "number" }, used === null ? "—" : h("span", { "aria-label": `Meia-entrada de ${s.name}: ${used} de ${sector.half_quota}` }, `${used} de ${sector.half_quota}`)),
          h("td", {}, (s.tiers || []).length ? h("ul", { class: "plain" }, s.tiers.map((t) => h("li", {}, `${t.name}: ${t.sold} vendidos a ${formatMoney(t.price_cents)}`))) : "—"));
      }), { caption: "Por setor", scroll: true }),
      h("p", { class: "hint" }, "A cota de meia usada conta só as categorias da lei federal (Lei 12.933/2013, Estatuto da Pessoa Idosa) e inclui os lugares reservados e ainda não pagos."),
      (report.products_sold || []).length ? stackTable(["Adicional", "Quantidade", "Receita"],
        report.products_sold.map((p) => h("tr", {}, h("th", { scope: "row" }, p.name), h("td", { class: "number" }, p.quantity), h("td", { class: "number" }, formatMoney(p.revenue_cents)))),
        { caption: "Adicionais vendidos" }) : h("p", {}, "Nenhum adicional vendido ainda."),
      h("p", {}, h("a", { class: "button", href: "#", onclick: (e) => downloadReport(e, eventId) }, "Baixar relatório (CSV)")),
    );
  }
  await load();
  // while the page is open and visible: a tab left in the background does not keep querying the report
  every(POLL_MS, () => !document.hidden && load().catch(() => { updated.textContent = "Sem conexão: os números podem estar desatualizados."; }));
}

async function downloadReport(e, eventId) {
  e.preventDefault();
  try {
    const csv = await call("GET", `/events/${eventId}/report?format=csv&locale=pt-BR`, { headers: { Accept: "text/csv" } });
    save(new Blob([csv], { type: "text/csv;charset=utf-8" }), `relatorio-${eventId}.csv`);
  } catch (error) {
    announce(errorText(error), "error");
  }
}

function save(blob, name) {
  const link = h("a", { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}

// ------------------------------------------------------------------ order desk
async function ordersPage(eventId, query) {
  const page = pager();
  const event = await ownEvent(eventId);
  const results = h("div", { "aria-live": "polite" });
  const detail = h("section", { class: "order-detail", "aria-live": "polite" });
  const form = h("form", { class: "search", role: "search", onsubmit: (e) => { e.preventDefault(); search(); } },
    field("busca-email", "E-mail do comprador", h("input", { name: "email", type: "email", value: query.get("email") || "" })),
    field("busca-situacao", "Situação do pedido", h("select", { name: "status" }, h("option", { value: "" }, "Todas"),
      Object.entries(ORDER_STATUS).map(([value, label]) => h("option", { value, selected: query.get("status") === value }, label)))),
    h("button", { type: "submit", class: "button primary" }, "Buscar pedidos"));
  let shown = [];
  page(`Pedidos — ${event.name}`, eventNav(eventId, "Pedidos"), form, results, detail);

  async function search() {
    const params = new URLSearchParams({ limit: "200" });
    if (form.elements.email.value.trim()) params.set("email", form.elements.email.value.trim());
    if (form.elements.status.value) params.set("status", form.elements.status.value);
    try {
      const answer = await call("GET", `/events/${eventId}/orders?${params}`);
      shown = answer.items;
      drawResults();
    } catch (error) {
      replace(results, errorBox(error));
    }
  }

  function drawResults() {
    replace(results,
      shown.length ? stackTable(["Comprador", "Situação", "Total", "Criado em", "Detalhe"], shown.map((o) => h("tr", {},
        h("th", { scope: "row" }, o.buyer?.email || "—"),
        h("td", {}, ORDER_STATUS[o.status] || o.status),
        h("td", { class: "number" }, formatMoney(o.total_cents)),
        h("td", {}, formatDateTime(o.created_at, event.timezone, { dateStyle: "short" })),
        h("td", {}, h("button", { type: "button", class: "link-button", "aria-label": `Ver pedido de ${o.buyer?.email || o.id}`, onclick: () => showOrder(o.id) }, "Ver pedido")))),
      { caption: `${shown.length} ${shown.length === 1 ? "pedido" : "pedidos"}`, scroll: true }) : h("p", {}, "Nenhum pedido encontrado."),
      shown.length ? h("button", { type: "button", class: "button", onclick: exportCsv }, "Exportar pedidos (CSV)") : null);
  }

  function exportCsv() {
    const rows = [["pedido", "e-mail", "situação", "total (R$)", "taxas (R$)", "criado em"]];
    for (const o of shown) {
      rows.push([o.id, o.buyer?.email || "", ORDER_STATUS[o.status] || o.status, centsToInput(o.total_cents), centsToInput(o.fee_cents || 0),
        formatDateTime(o.created_at, event.timezone, { dateStyle: "short" })]);
    }
    save(new Blob([csvText(rows)], { type: "text/csv;charset=utf-8" }), `pedidos-${eventId}.csv`);
  }

  async function showOrder(orderId) {
    try {
      const order = await call("GET", `/orders/${orderId}`);
      const sectorName = Object.fromEntries((event.sectors || []).map((s) => [s.id, s.name]));
      const seatNote = (t) => t.seat_label || t.seat?.label || "";
      replace(detail,
        h("h2", { tabindex: "-1", id: "detalhe-titulo" }, `Pedido de ${order.buyer?.email || shown.find((o) => o.id === orderId)?.buyer?.email || "comprador"}`),
        h("dl", { class: "figures" },
          h("dt", {}, "Situação"), h("dd", { "data-status": order.status }, ORDER_STATUS[order.status] || order.status),
          h("dt", {}, "Total"), h("dd", {}, formatMoney(order.total_cents)),
          h("dt", {}, "Taxa de conveniência"), h("dd", {}, formatMoney(order.fee_cents || 0)),
          order.payment ? [h("dt", {}, "Pagamento"), h("dd", {}, `${PAYMENT_METHODS[order.payment.method] || order.payment.method} — ${PAYMENT_STATUS[order.payment.status] || order.payment.status}`)] : null,
          h("dt", {}, "Número"), h("dd", { class: "mono" }, order.id)),
        h("ul", {}, (order.tickets || []).map((t) => h("li", {},
          `${t.sector || sectorName[t.sector_id] || "Setor"}${seatNote(t) ? ` — assento ${seatNote(t)}` : ""}${t.tier ? ` (${t.tier})` : ""} — ${t.quantity || 1} × ${t.type === "half" ? `meia${t.half_category ? ` (${HALF_CATEGORIES[t.half_category] || t.half_category})` : ""}` : "inteira"} de ${formatMoney(t.unit_price_cents)}`)),
        (order.products || []).map((p) => h("li", {}, `${p.name || "Adicional"} — ${p.quantity} × ${formatMoney(p.unit_price_cents)}`))),
        order.status === "paid" ? h("button", { type: "button", class: "button danger", onclick: (e) => refund(order, e.target) }, "Reembolsar pedido") : null,
        h("div", { class: "refund-error" }));
      detail.querySelector("h2").focus();
    } catch (error) {
      replace(detail, errorBox(error));
    }
  }

  async function refund(order, button) {
    const total = formatMoney(order.total_cents);
    if (!(await confirmDialog("Reembolsar este pedido?", `O comprador recebe ${total} de volta, os ingressos deixam de valer e os lugares voltam à venda.`, "Confirmar reembolso"))) return;
    await busy(button, async () => {
      try {
        await call("POST", `/orders/${order.id}/refund`);
        announce("Pedido reembolsado.", "success");
        await search();
        await showOrder(order.id);
      } catch (error) {
        replace(detail.querySelector(".refund-error"), errorBox(error));
      }
    });
  }
  await search();
}

// ------------------------------------------------------------------ admins: organizers
async function adminPage() {
  const page = pager();
  if (!roles().includes("admin")) {
    page("Organizadores", h("p", {}, "Esta página é só para administradores."));
    return;
  }
  const list = h("div", { "aria-live": "polite" });
  const box = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "panel narrow", onsubmit: appoint },
    h("h2", {}, "Nomear organizador"),
    field("organizador-email", "E-mail da conta", h("input", { name: "email", type: "email", required: true }), "A pessoa precisa já ter uma conta na loja. Ela passa a ser organizadora no próximo login."),
    box,
    h("button", { type: "submit", class: "button primary" }, "Nomear organizador"));
  async function load() {
    const answer = await call("GET", "/organizers");
    replace(list, stackTable(["E-mail", "Papéis"],
      answer.items.map((o) => h("tr", {}, h("th", { scope: "row" }, o.email), h("td", {}, (o.roles || []).map((r) => ROLE_NAMES[r] || r).join(", ")))),
      { caption: "Organizadores" }));
  }
  async function appoint(e) {
    e.preventDefault();
    await busy(form.querySelector("button"), async () => {
      try {
        const made = await call("POST", "/organizers", { body: { email: form.elements.email.value.trim() } });
        replace(box, h("p", { class: "success", role: "status" }, `${made.email} agora é organizador(a).`));
        form.reset();
        await load();
      } catch (error) {
        replace(box, errorBox(error.status === 404 ? "Não há conta com este e-mail." : error));
      }
    });
  }
  page("Organizadores", form, list);
  await load();
}

// ------------------------------------------------------------------ routing
async function route(parts, query) {
  if (!session() && parts[0] !== "entrar") signInPage(location.hash || "#/");
  else if (parts[0] === "entrar") signInPage(query.get("volta"));
  else if (parts.length === 0) await eventsPage();
  else if (parts[0] === "evento" && parts[1] === "novo") newEventPage();
  else if (parts[0] === "evento" && parts[1] && parts[2] === "vendas") await salesPage(parts[1]);
  else if (parts[0] === "evento" && parts[1] && parts[2] === "pedidos") await ordersPage(parts[1], query);
  else if (parts[0] === "evento" && parts[1]) await eventPage(parts[1]);
  else if (parts[0] === "admin") await adminPage();
  else pager()("Página não encontrada", h("p", {}, h("a", { href: "#/" }, "Meus eventos")));
}

function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    signInPage(location.hash);
    return;
  }
  const text = error instanceof ApiError && error.status === 404 ? "Evento não encontrado ou não é seu." : errorText(error);
  replace(main, h("h1", {}, "Ops"), errorBox(text), h("p", {}, h("a", { href: "#/" }, "Voltar aos meus eventos")));
}

signOutButton(signOut, "Você saiu do console.", "#/entrar");
keepHeader(session, ["admin", "organizer"]);
startRouting(route, showError);
