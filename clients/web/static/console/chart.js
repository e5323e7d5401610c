// Tickets and revenue per day (the report's sales_by_day) drawn with uPlot (vendored, a global from
// static/vendor/uPlot.iife.min.js), with the same numbers in a table for screen readers and for a glance.
import { h, replace } from "../dom.js";
import { formatDate, formatMoney } from "../format.js";

const DAY = 86400;

// "04/12": each day is drawn at its midnight UTC, where its tick is (the days are dates, not instants).
function dayMonth(seconds) {
  return formatDate(new Date(seconds * 1000).toISOString()).slice(0, 5);
}

// [timestamps (s), tickets, revenue in reais], one point per day from the first sale to the last; days
// without sales count as zero so the line does not jump over them.
export function chartSeries(days) {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const byDate = new Map(sorted.map((d) => [d.date, d]));
  const x = [], tickets = [], revenue = [];
  if (!sorted.length) return [x, tickets, revenue];
  const first = Date.parse(`${sorted[0].date}T00:00:00Z`) / 1000;
  const last = Date.parse(`${sorted.at(-1).date}T00:00:00Z`) / 1000;
  for (let t = first; t <= last; t += DAY) {
    const day = byDate.get(new Date(t * 1000).toISOString().slice(0, 10));
    x.push(t);
    tickets.push(day ? day.tickets : 0);
    revenue.push(day ? day.revenue_cents / 100 : 0);
  }
  return [x, tickets, revenue];
}

function options(width, first, last) {
  const money = (v) => formatMoney(Math.round(v * 100));
  return {
    width,
    height: 260,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "UTC"),
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    // half a day either side: one day of sales is a bar in the middle, not a point at the edge of years
    scales: { x: { time: true, auto: false, range: [first - DAY / 2, last + DAY / 2] }, tickets: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] }, reais: { range: (u, min, max) => [0, Math.max(1, max * 1.15)] } },
    axes: [
      { space: 70, incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY], values: (u, ticks) => ticks.map((t) => dayMonth(t)) },
      { scale: "tickets", label: "Ingressos", values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : "")) },
      { scale: "reais", side: 1, label: "Receita", size: 90, grid: { show: false }, values: (u, ticks) => ticks.map(money) },
    ],
    series: [
      { label: "Dia", value: (u, t) => (t == null ? "—" : formatDate(new Date(t * 1000).toISOString())) },
      { label: "Ingressos", scale: "tickets", stroke: "#0b5cad", fill: "rgba(11,92,173,.35)", width: 2, paths: uPlot.paths.bars({ size: [0.5, 48] }), points: { show: false } },
      { label: "Receita", scale: "reais", stroke: "#17692d", width: 3, points: { size: 9, fill: "#17692d" } },
    ],
  };
}

// Draws (or updates) the chart in `figure`; returns the uPlot instance to pass back on the next call.
export function salesChart(figure, days, previous) {
  const data = chartSeries(days);
  const totalTickets = days.reduce((n, d) => n + d.tickets, 0);
  const totalRevenue = days.reduce((n, d) => n + d.revenue_cents, 0);
  const summary = days.length
    ? `Vendas por dia: ${totalTickets} ingressos e ${formatMoney(totalRevenue)} em ${days.length} ${days.length === 1 ? "dia" : "dias"}`
    : "Vendas por dia: nenhuma venda ainda";
  if (!figure.querySelector(".chart-plot")) {
    replace(figure,
      h("figcaption", {}, "Ingressos e receita por dia (no fuso do evento)"),
      h("div", { class: "chart-plot", role: "img" }),
      h("details", {}, h("summary", {}, "Ver os números do gráfico"), h("div", { class: "chart-table" })));
  }
  const plot = figure.querySelector(".chart-plot");
  plot.setAttribute("aria-label", summary);
  replace(figure.querySelector(".chart-table"), h("table", {},
    h("thead", {}, h("tr", {}, ["Dia", "Ingressos", "Receita"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, [...days].sort((a, b) => a.date.localeCompare(b.date)).map((d) => h("tr", {},
      h("td", {}, formatDate(d.date)), h("td", { class: "number" }, d.tickets), h("td", { class: "number" }, formatMoney(d.revenue_cents)))))));
  if (!days.length) {
    if (previous) previous.destroy();
    replace(plot, h("p", { class: "hint empty-chart" }, "O gráfico aparece com a primeira venda."));
    return null;
  }
  // redrawn whole on each update: the days on the x axis may have grown
  if (previous) previous.destroy();
  replace(plot);
  const width = Math.max(280, Math.min(plot.clientWidth || 600, 1100));
  return new uPlot(options(width, data[0][0], data[0].at(-1)), data, plot);
}
