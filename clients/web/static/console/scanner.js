// The door scanner for phones: pick the event, read ticket QR codes with the camera (BarcodeDetector where
// the browser has it, the vendored jsQR otherwise) or type the code, and see a full-screen green or red
// answer from POST /checkins. It says clearly when the phone is offline: no answer means NOT checked in.
import { ApiError, call, session, signIn, signOut } from "../api.js";
import { h, replace } from "../dom.js";
import { HALF_CATEGORIES, HALF_PROOFS, formatDateTime } from "../format.js";

const main = document.getElementById("conteudo");
const connection = document.getElementById("conexao");
const EVENT_KEY = "ticketing.scanner.event";
const SCAN_EVERY_MS = 150;

const state = { event: null, stream: null, scanning: false, busy: false, detector: null, canvas: null, lastFailed: false, answered: null };

function showConnection() {
  const offline = !navigator.onLine || state.lastFailed;
  connection.className = `connection ${offline ? "connection-off" : "connection-on"}`;
  connection.textContent = offline ? "Sem conexão: nenhum ingresso está sendo validado" : "Conectado";
  document.body.classList.toggle("is-offline", offline);
}

// ------------------------------------------------------------------ sign-in and event
function signInView() {
  const box = h("div", { "aria-live": "polite" });
  async function submit(e) {
    e.preventDefault();
    const form = e.target;
    form.querySelector("button").disabled = true;
    try {
      const who = await signIn(form.email.value.trim(), form.password.value);
      if (!(who.roles || []).includes("organizer")) {
        signOut();
        replace(box, h("p", { class: "error", role: "alert" }, "Só organizadores validam ingressos."));
        return;
      }
      start();
    } catch (error) {
      replace(box, h("p", { class: "error", role: "alert" }, error.status === 401 ? "E-mail ou senha incorretos." : error.message));
    } finally {
      form.querySelector("button").disabled = false;
    }
  }
  replace(main, h("h1", {}, "Entrar para validar ingressos"),
    h("form", { class: "panel narrow", onsubmit: submit },
      h("div", { class: "field" }, h("label", { for: "email" }, "E-mail"), h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true })),
      h("div", { class: "field" }, h("label", { for: "senha" }, "Senha"), h("input", { id: "senha", name: "password", type: "password", autocomplete: "current-password", required: true })),
      box,
      h("button", { type: "submit", class: "button primary" }, "Entrar")));
}

async function eventChooser() {
  const answer = await call("GET", "/events?mine=true&limit=200");
  const events = answer.items.filter((e) => e.status === "on_sale" || e.status === "closed");
  const select = h("select", { id: "evento", name: "event" },
    h("option", { value: "" }, "Escolha o evento…"),
    events.map((e) => h("option", { value: e.id }, `${e.name} — ${formatDateTime(e.starts_at, e.timezone, { dateStyle: "short" })}`)));
  replace(main, h("h1", {}, "Qual evento está na porta?"),
    h("form", { class: "panel narrow", onsubmit: (e) => {
      e.preventDefault();
      const chosen = events.find((ev) => ev.id === select.value);
      if (!chosen) return;
      sessionStorage.setItem(EVENT_KEY, JSON.stringify({ id: chosen.id, name: chosen.name, timezone: chosen.timezone }));
      state.event = chosen;
      scannerView();
    } },
    h("div", { class: "field" }, h("label", { for: "evento" }, "Evento"), select),
    events.length ? null : h("p", { class: "hint" }, "Nenhum evento seu à venda ou com vendas encerradas."),
    h("button", { type: "submit", class: "button primary" }, "Validar ingressos deste evento")));
}

// ------------------------------------------------------------------ the scanner
function scannerView() {
  const manual = h("form", { class: "manual", onsubmit: (e) => {
    e.preventDefault();
    const code = e.target.code.value.trim();
    if (code) check(code).then(() => { e.target.code.value = ""; });
  } },
  h("div", { class: "field" }, h("label", { for: "codigo" }, "Código do ingresso"),
    h("input", { id: "codigo", name: "code", autocomplete: "off", autocapitalize: "off", spellcheck: "false", inputmode: "text" })),
  h("button", { type: "submit", class: "button primary" }, "Validar código"));
  replace(main,
    h("h1", { class: "scanner-title" }, state.event.name),
    h("div", { class: "camera" },
      h("video", { id: "camera", playsinline: true, muted: true, "aria-label": "Imagem da câmera" }),
      h("div", { class: "aim", "aria-hidden": "true" })),
    h("p", { id: "camera-estado", class: "hint", role: "status" }, "Toque em “Ligar câmera” e aponte para o QR do ingresso."),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "button primary", id: "ligar", onclick: startCamera }, "Ligar câmera"),
      h("button", { type: "button", class: "button", onclick: () => { stopCamera(); sessionStorage.removeItem(EVENT_KEY); state.event = null; eventChooser(); } }, "Trocar evento"),
      h("button", { type: "button", class: "button", onclick: () => { stopCamera(); sessionStorage.removeItem(EVENT_KEY); state.event = null; signOut(); signInView(); } }, "Sair")),
    manual,
    h("div", { id: "resultado", class: "result", hidden: true, role: "alertdialog", "aria-modal": "true", "aria-labelledby": "resultado-titulo" }));
}

function cameraNote(text) {
  const note = document.getElementById("camera-estado");
  if (note) note.textContent = text;
}

async function startCamera() {
  if (!navigator.mediaDevices?.getUserMedia) {
    cameraNote("Este navegador não dá acesso à câmera: digite o código abaixo.");
    return;
  }
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 } }, audio: false });
  } catch {
    cameraNote("Sem acesso à câmera (permissão negada ou câmera ocupada): digite o código abaixo.");
    return;
  }
  const video = document.getElementById("camera");
  video.srcObject = state.stream;
  await video.play().catch(() => {});
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) state.detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch {
      state.detector = null;
    }
  }
  document.getElementById("ligar").hidden = true;
  cameraNote("Câmera ligada: aponte para o QR do ingresso.");
  state.scanning = true;
  scanLoop();
}

function stopCamera() {
  state.scanning = false;
  for (const track of state.stream?.getTracks() || []) track.stop();
  state.stream = null;
}

// The text of a QR in the current video frame, or null.
async function readFrame(video) {
  if (video.readyState < 2 || !video.videoWidth) return null;
  if (state.detector) {
    const found = await state.detector.detect(video);
    return found[0]?.rawValue || null;
  }
  const scale = Math.min(1, 720 / video.videoWidth);
  const width = Math.round(video.videoWidth * scale);
  const height = Math.round(video.videoHeight * scale);
  state.canvas = state.canvas || document.createElement("canvas");
  state.canvas.width = width;
  state.canvas.height = height;
  const context = state.canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(video, 0, 0, width, height);
  const found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: "attemptBoth" });
  return found?.data || null;
}

async function scanLoop() {
  const video = document.getElementById("camera");
  while (state.scanning && video?.isConnected) {
    if (!state.busy && document.getElementById("resultado")?.hidden) {
      try {
        const code = (await readFrame(video))?.trim() || null;
        // the ticket just answered is not read again until it has left the camera's view: the person
        // admitted a second ago must not turn red when the door taps "next" with the QR still in front
        if (code !== state.answered) state.answered = null;
        if (code && code !== state.answered) {
          state.answered = code;
          await check(code);
        }
      } catch {
        // a frame the decoder cannot read is just skipped
      }
    }
    await new Promise((resolve) => setTimeout(resolve, SCAN_EVERY_MS));
  }
}

// ------------------------------------------------------------------ the answer
async function check(code) {
  if (state.busy) return;
  state.busy = true;
  try {
    if (!navigator.onLine) throw new ApiError(0, { type: "unreachable" });
    const ticket = await call("POST", "/checkins", { body: { code, event_id: state.event.id } });
    state.lastFailed = false;
    showResult(true, ticket);
  } catch (error) {
    state.lastFailed = error instanceof ApiError && error.status === 0;
    if (error instanceof ApiError && error.status === 401) {
      stopCamera();
      signInView();
      return;
    }
    showResult(false, null, error);
  } finally {
    showConnection();
    state.busy = false;
  }
}

function typeLine(ticket) {
  if (ticket.type !== "half") return h("p", { class: "result-type" }, "Inteira");
  const category = ticket.half_category;
  return [
    h("p", { class: "result-type half" }, `MEIA-ENTRADA${category ? ` — ${HALF_CATEGORIES[category] || category}` : ""}`),
    h("p", { class: "result-proof" }, `Peça o comprovante: ${category ? HALF_PROOFS[category] || "documento do direito à meia" : "documento do direito à meia-entrada"}.`),
  ];
}

function refusal(error) {
  const problem = error instanceof ApiError ? error.name : "";
  if (error instanceof ApiError && error.status === 0) {
    return ["SEM CONEXÃO", "O ingresso NÃO foi validado. Verifique a internet do aparelho e leia de novo."];
  }
  if (problem === "already-checked-in") {
    const when = error.problem?.checked_in_at;
    const time = when ? formatDateTime(when, state.event.timezone, { dateStyle: "short", timeStyle: "medium" }) : null;
    return ["JÁ ENTROU", time ? `Este ingresso já foi validado em ${time}. Não libere a entrada.` : "Este ingresso já foi validado. Não libere a entrada."];
  }
  if (problem === "wrong-event") return ["OUTRO EVENTO", "Este ingresso é de outro evento."];
  if (problem === "invalid-state") return ["REEMBOLSADO", "O pedido deste ingresso foi reembolsado ou cancelado: o ingresso não vale."];
  if (problem === "not-found" || problem === "validation") return ["INGRESSO DESCONHECIDO", "Código não encontrado (ingresso falso, transferido para outra pessoa ou de outro organizador)."];
  if (problem === "forbidden") return ["SEM PERMISSÃO", "Esta conta não valida ingressos deste evento."];
  return ["NÃO VALIDADO", error instanceof ApiError ? error.message : "Algo deu errado. Leia de novo."];
}

function showResult(ok, ticket, error) {
  const box = document.getElementById("resultado");
  if (!box) return;
  const [title, text] = ok ? ["ENTRADA LIBERADA", null] : refusal(error);
  const next = h("button", { type: "button", class: "button result-next", onclick: () => { box.hidden = true; document.getElementById("codigo")?.focus(); } }, "Ler próximo ingresso");
  box.className = `result ${ok ? "result-ok" : "result-no"}`;
  replace(box,
    h("p", { class: "result-mark", "aria-hidden": "true" }, ok ? "✓" : "✕"),
    h("h2", { id: "resultado-titulo" }, title),
    ok ? [
      h("p", { class: "result-place" }, `${typeof ticket.sector === "object" ? ticket.sector?.name : ticket.sector}${ticket.seat_label ? ` — assento ${ticket.seat_label}` : ""}`),
      typeLine(ticket),
    ] : h("p", { class: "result-text" }, text),
    next);
  box.hidden = false;
  next.focus();
  if (navigator.vibrate) navigator.vibrate(ok ? 80 : [200, 80, 200]);
}

// ------------------------------------------------------------------ start
async function start() {
  showConnection();
  if (!session()) return signInView();
  const saved = JSON.parse(sessionStorage.getItem(EVENT_KEY) || "null");
  if (saved) {
    state.event = saved;
    return scannerView();
  }
  try {
    await eventChooser();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signInView();
    state.lastFailed = error instanceof ApiError && error.status === 0;
    showConnection();
    replace(main, h("h1", {}, "Leitor de ingressos"), h("p", { class: "error", role: "alert" }, error.message),
      h("button", { type: "button", class: "button", onclick: start }, "Tentar de novo"));
  }
}

window.addEventListener("online", () => { state.lastFailed = false; showConnection(); });
window.addEventListener("offline", showConnection);
start();
