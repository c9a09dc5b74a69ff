/* The view's side of MCP Apps (ext-apps spec 2026-01-26): JSON-RPC 2.0 over postMessage with the host,
   the ui/initialize handshake, the host's theme, and small DOM helpers. No network, no libraries. */
"use strict";
const PROTOCOL = "2026-01-26";
const bridge = (() => {
  const host = window.parent;
  const pending = new Map();
  const handlers = {};
  let nextId = 1;
  const send = (message) => host.postMessage(message, "*");
  window.addEventListener("message", (event) => {
    const m = event.data;
    if (event.source !== host || !m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined) {
      const waiting = pending.get(m.id);
      if (!waiting) return;
      pending.delete(m.id);
      if (m.error) waiting.reject(new Error(m.error.message || "The host refused the request."));
      else waiting.resolve(m.result || {});
      return;
    }
    if (m.id !== undefined) {
      // Requests from the host: answer the two the spec gives a view, refuse the rest.
      if (m.method === "ui/resource-teardown" || m.method === "ping") send({ jsonrpc: "2.0", id: m.id, result: {} });
      else send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found" } });
      return;
    }
    const handle = handlers[m.method];
    if (handle) handle(m.params || {});
  });
  return {
    request(method, params) {
      const id = nextId++;
      send({ jsonrpc: "2.0", id, method, params });
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    notify(method, params) { send({ jsonrpc: "2.0", method, params }); },
    on(method, handle) { handlers[method] = handle; },
  };
})();

let hostLocale;
let hostCapabilities = null;

/* Whether the host proxies a view's tools/call (hostCapabilities.serverTools); a host that says
   nothing about its capabilities is taken at its word that it follows the spec and does. */
function canCallTools() {
  return !hostCapabilities || !!hostCapabilities.serverTools;
}

/* A tool call through the host: the same tool, checks and confirmations the model's calls go through. */
async function callTool(name, args) {
  return bridge.request("tools/call", { name, arguments: args });
}

function applyHostContext(context) {
  const root = document.documentElement;
  if (context.theme === "light" || context.theme === "dark") root.dataset.theme = context.theme;
  const variables = (context.styles && context.styles.variables) || {};
  for (const [name, value] of Object.entries(variables)) if (value) root.style.setProperty(name, value);
  const fonts = context.styles && context.styles.css && context.styles.css.fonts;
  if (fonts) {
    let style = document.getElementById("host-fonts");
    if (!style) { style = document.createElement("style"); style.id = "host-fonts"; document.head.append(style); }
    style.textContent = fonts;
  }
  if (context.locale) hostLocale = context.locale;
}

/* Registers the view's handlers, then the handshake; the host sends the tool's input and result after
   `initialized`, so the handlers are in place before it is sent. */
async function startView(name, view) {
  bridge.on("ui/notifications/host-context-changed", applyHostContext);
  bridge.on("ui/notifications/tool-input", (p) => view.input && view.input(p.arguments || {}));
  bridge.on("ui/notifications/tool-result", (p) => view.result(p));
  bridge.on("ui/notifications/tool-cancelled", (p) => view.cancelled && view.cancelled(p.reason));
  try {
    const init = await bridge.request("ui/initialize", {
      appInfo: { name, version: "1.0.0" },
      appCapabilities: { availableDisplayModes: ["inline"] },
      protocolVersion: PROTOCOL,
    });
    if (init.hostCapabilities && typeof init.hostCapabilities === "object") hostCapabilities = init.hostCapabilities;
    applyHostContext(init.hostContext || {});
  } catch (error) {
    // A host that refuses the handshake still gets a readable view, in the fallback theme.
  }
  bridge.notify("ui/notifications/initialized", {});
  let last = "";
  new ResizeObserver(() => {
    const box = document.documentElement.getBoundingClientRect();
    const size = { width: Math.ceil(box.width), height: Math.ceil(document.documentElement.scrollHeight) };
    const key = size.width + "x" + size.height;
    if (key !== last) { last = key; bridge.notify("ui/notifications/size-changed", size); }
  }).observe(document.body);
}

/* h("td", {class: "num", onclick: f}, "text", child): elements from data, never from HTML strings. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/* Seconds as h:mm, to the minute (half a minute rounds up), as a timesheet reads. */
function hm(seconds) {
  const minutes = Math.floor((Math.max(0, seconds) + 30) / 60);
  return Math.floor(minutes / 60) + ":" + String(minutes % 60).padStart(2, "0");
}

function money(amount, currency) {
  const value = Number(amount || 0);
  try {
    return new Intl.NumberFormat(hostLocale || undefined, { style: "currency", currency: currency || "USD" }).format(value);
  } catch (error) {
    return value.toFixed(2) + (currency ? " " + currency : "");
  }
}

function number(value, digits) {
  return new Intl.NumberFormat(hostLocale || undefined, { minimumFractionDigits: 0, maximumFractionDigits: digits }).format(Number(value || 0));
}

/* A calendar date (YYYY-MM-DD) in words, never shifted by the browser's zone. */
function dayText(iso, options) {
  const [y, m, d] = String(iso).slice(0, 10).split("-").map(Number);
  if (!y || !m || !d) return String(iso || "");
  return new Intl.DateTimeFormat(hostLocale || undefined, { timeZone: "UTC", ...options }).format(new Date(Date.UTC(y, m - 1, d)));
}

function resultText(result) {
  const block = (result && result.content || []).find((c) => c && c.type === "text");
  return block ? block.text : "";
}

function say(text, kind) {
  const status = document.getElementById("status");
  status.className = "status" + (kind ? " " + kind : "");
  status.textContent = text;
}
