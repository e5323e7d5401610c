// The ticketing HTTP API (contract v1): JSON, problem+json errors, a bearer token kept in sessionStorage
// and refreshed once on 401.
import { fieldMessage, problemMessage } from "./messages.js";

const metaBase = document.querySelector('meta[name="ticketing-api"]')?.content || "";
export const API_BASE = metaBase.replace(/\/$/, "");
const SESSION_KEY = "ticketing.session";

// A problem answer in Portuguese: `message` for the whole, `fields` [{field, message}] for each field.
export class ApiError extends Error {
  constructor(status, problem) {
    const name = (problem?.type || "").split("/").filter(Boolean).pop() || `http-${status}`;
    const fields = (problem?.errors || []).map((e) => ({ field: String(e.field || ""), message: fieldMessage(e.field, e.message) }));
    super(fields.length && name === "validation" ? problemMessage("validation", status) : problemMessage(name, status, problem?.detail));
    this.status = status;
    this.name = name;
    this.problem = problem;
    this.fields = fields;
  }
}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY)) || null;
  } catch {
    return null;
  }
}

function saveSession(value) {
  if (value) sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
  else sessionStorage.removeItem(SESSION_KEY);
  document.dispatchEvent(new CustomEvent("session-changed"));
}

export function signOut() {
  saveSession(null);
}

async function send(method, path, { body, token, headers = {} } = {}) {
  const sent = { Accept: "application/json", ...headers };
  if (body !== undefined) sent["Content-Type"] = "application/json";
  if (token) sent.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(API_BASE + path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, { type: "unreachable", detail: "Não foi possível falar com o servidor. Verifique sua conexão." });
  }
  const text = await response.text();
  let data = null;
  if (text && (response.headers.get("content-type") || "").includes("json")) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data || { detail: text });
  return data ?? text;
}

async function refresh() {
  const current = session();
  if (!current?.refresh_token) return false;
  try {
    const answer = await send("POST", "/auth/token", { body: { refresh_token: current.refresh_token } });
    saveSession({ ...current, access_token: answer.access_token, expires_at: Date.now() + answer.expires_in * 1000 });
    return true;
  } catch {
    return false;
  }
}

// A request; with auth, an expired token is refreshed first and a 401 refreshes once and retries.
export async function call(method, path, { body, auth = true, headers } = {}) {
  if (!auth) return send(method, path, { body, headers });
  let current = session();
  if (!current) throw new ApiError(401, { type: "unauthorized", detail: "Entre na sua conta para continuar." });
  if (current.expires_at && Date.now() > current.expires_at - 30000) {
    await refresh();
    current = session() || current;
  }
  try {
    return await send(method, path, { body, token: current.access_token, headers });
  } catch (error) {
    if (error.status !== 401 || !(await refresh())) {
      if (error.status === 401) signOut();
      throw error;
    }
    return send(method, path, { body, token: session().access_token, headers });
  }
}

export async function signIn(email, password) {
  const answer = await send("POST", "/auth/token", { body: { email, password } });
  saveSession({
    email,
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    expires_at: Date.now() + (answer.expires_in || 3600) * 1000,
  });
  try {
    const me = await call("GET", "/users/me");
    saveSession({ ...session(), name: me.name, roles: me.roles || [] });
  } catch {
    // the profile is only for the greeting and the organizer link
  }
  return session();
}

export function newIdempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

// Where an API route answers at all (the report comes later than the rest).
export async function routeServed(path) {
  try {
    const spec = await send("GET", "/openapi.json");
    return Boolean(spec?.paths?.[path]);
  } catch {
    return false;
  }
}
