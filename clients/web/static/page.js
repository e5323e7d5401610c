// What the storefront (app.js) and the organizer console (console/console.js) share around their pages:
// hash routing where a slow page never paints over a newer one, timers that live as long as their page,
// the banner (`announce`) that belongs to one page, and the boxes that show an API refusal.
import { ApiError } from "./api.js";
import { h, replace } from "./dom.js";

const main = () => document.getElementById("conteudo");
const notice = () => document.getElementById("aviso");

// ------------------------------------------------------------------ timers
let timers = [];

export function every(milliseconds, action) {
  timers.push(setInterval(action, milliseconds));
}

export function clearTimers() {
  for (const timer of timers) clearInterval(timer);
  timers = [];
}

// ------------------------------------------------------------------ banner
// A banner belongs to one page: the one shown when it was said, or the page the visitor is sent to next
// (`forHash`); moving on to any other page clears it.
let noticeFor = null;

export function announce(message, kind = "info", forHash = location.hash || "#/") {
  notice().className = `notice notice-${kind}`;
  notice().textContent = message;
  noticeFor = forHash;
}

// ------------------------------------------------------------------ errors
export function errorText(error) {
  return error instanceof ApiError ? error.message : "Algo deu errado. Tente de novo.";
}

// An alert paragraph saying `error` (an error, or a text of the page's own); focusable from script, so a
// form can move the focus to it.
export function errorBox(error) {
  return h("p", { class: "error", role: "alert", tabindex: "-1" }, typeof error === "string" ? error : errorText(error));
}

// ------------------------------------------------------------------ routing
// Each route renders through its own pager: a page that finishes after the visitor moved on (another
// hash) must not paint over the newer page; it throws StaleRoute instead, which the router ignores.
export class StaleRoute extends Error {}

let routeTicket = 0;
let router = () => {};

// `page(title, ...content)` replaces the main area and titles the tab "<title> — <site>"; `page.live()`
// says whether the route it was made for is still the one shown.
export function pager(site) {
  const ticket = routeTicket;
  const page = (title, ...content) => {
    if (ticket !== routeTicket) throw new StaleRoute();
    document.title = `${title} — ${site}`;
    replace(main(), h("h1", {}, title), ...content);
    main().focus({ preventScroll: true });
  };
  page.live = () => ticket === routeTicket;
  return page;
}

export function goTo(hash) {
  if (location.hash === hash) router();
  else location.hash = hash;
}

// Renders the page shown again (after a change made on it).
export function reroute() {
  return router();
}

// Renders location.hash now and on every change: `route(parts, query)` gets the path's parts ("#/evento/7"
// → ["evento", "7"]) and the query; it may throw, and `showError(error)` then shows what went wrong.
export function startRouting(route, showError) {
  router = async () => {
    clearTimers();
    routeTicket += 1;
    const [path, queryText] = (location.hash.replace(/^#/, "") || "/").split("?");
    try {
      await route(path.split("/").filter(Boolean), new URLSearchParams(queryText || ""));
    } catch (error) {
      if (!(error instanceof StaleRoute)) showError(error);
    }
  };
  window.addEventListener("hashchange", () => {
    // a banner stays only on the page it was said for (a success does not follow the visitor around)
    const path = (hash) => String(hash || "#/").split("?")[0];
    if (path(noticeFor) !== path(location.hash)) {
      notice().textContent = "";
      noticeFor = null;
    }
    router();
  });
  router();
}

// The header's "Sair" button: signs out, says so on `hash` and goes there.
export function signOutButton(signOut, message, hash) {
  document.getElementById("sair").addEventListener("click", () => {
    signOut();
    announce(message, "info", hash);
    goTo(hash);
  });
}

// ------------------------------------------------------------------ header
// Shows the header items marked data-auth="in"/"out" and data-role="<role>" for the signed-in visitor
// (`roles` lists the roles this page's header names), now and whenever the session changes.
export function keepHeader(session, roles) {
  const update = () => {
    const current = session();
    for (const item of document.querySelectorAll("[data-auth=in]")) item.hidden = !current;
    for (const item of document.querySelectorAll("[data-auth=out]")) item.hidden = Boolean(current);
    for (const role of roles) {
      for (const item of document.querySelectorAll(`[data-role=${role}]`)) item.hidden = !(current?.roles || []).includes(role);
    }
  };
  document.addEventListener("session-changed", update);
  update();
}
