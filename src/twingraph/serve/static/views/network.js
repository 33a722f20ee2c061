// Who met whom: persons, cities and organizations as nodes, one edge per pair that took part
// in the same events, labelled with the dates; filter by year; a click opens the node's page.
// On a person's page (data-focus) it shows that person's neighbourhood only.
import { addSelect, fillLegend, formatDate, hrefOf, markBox, placeLabels, say, start, uniqueSorted } from "./common.js";

const d3 = window.d3;
const KINDS = ["person", "city", "organization"]; // each also a text of the interface (say)

// The rows (one per pair and event) joined into nodes and one edge per pair, as twingraph.charts.network does.
export function joinRows(rows, year, focus) {
  const nodes = new Map();
  const edges = new Map();
  for (const r of rows) {
    if (year && !r.date.startsWith(year)) continue;
    if (focus && r.a !== focus && r.b !== focus) continue;
    if (!nodes.has(r.a)) nodes.set(r.a, { id: r.a, name: r.aName, kind: r.aKind });
    if (!nodes.has(r.b)) nodes.set(r.b, { id: r.b, name: r.bName, kind: r.bKind });
    const key = `${r.a} ${r.b}`;
    if (!edges.has(key)) edges.set(key, { source: r.a, target: r.b, events: new Map() });
    edges.get(key).events.set(r.event, r.date);
    if (r.count) Object.assign(edges.get(key), { weight: Number(r.count), last: r.last });
  }
  for (const e of edges.values()) {
    e.dates = [...new Set([...e.events.values(), ...(e.last ? [e.last] : [])])].sort();
    e.weight = e.weight || e.events.size;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

function draw(figure, rows) {
  const base = figure.dataset.base || "";
  const focus = figure.dataset.focus || "";
  // an overview's rows are pairs with their number of events and first and last date, not one per event
  const overview = figure.dataset.mode === "overview";
  const width = Math.max(figure.clientWidth, 600);
  const height = focus ? 420 : 640;
  const svg = d3.create("svg").attr("class", "network").attr("viewBox", [0, 0, width, height]).attr("role", "img");
  figure.prepend(svg.node());
  const count = document.createElement("p");
  count.className = "muted view-count";
  figure.append(count);
  const color = d3.scaleOrdinal(KINDS, ["#1f5fa8", "#c0392b", "#2e8b57"]);
  const radius = (n) => (n.kind === "city" ? 8 : 5);
  const dates = (e) => e.dates.map(formatDate).join(overview ? " – " : ", ");
  const legend = document.createElement("ul");
  legend.className = "legend network-legend";
  svg.node().after(legend);

  function render(year) {
    svg.selectAll("*").remove();
    const { nodes, edges } = joinRows(rows, year, focus);
    svg.attr("aria-label", say("Network of meetings: {nodes} participants, {edges} links",
      { nodes: nodes.length, edges: edges.length }));
    count.textContent = say("Participants: {nodes}, links: {edges}", { nodes: nodes.length, edges: edges.length });
    const simulation = d3.forceSimulation(nodes)
      .force("link", d3.forceLink(edges).id((n) => n.id).distance(60))
      .force("charge", d3.forceManyBody().strength(-120))
      .force("center", d3.forceCenter(width / 2, height / 2))
      .force("x", d3.forceX(width / 2).strength(0.05))
      .force("y", d3.forceY(height / 2).strength(0.08))
      .stop();
    for (let i = 0; i < 300; i++) simulation.tick();
    for (const n of nodes) {
      n.x = Math.max(8, Math.min(width - 8, n.x));
      n.y = Math.max(8, Math.min(height - 8, n.y));
    }
    const link = svg.append("g").attr("class", "edges").selectAll("g").data(edges).join("g")
      .attr("class", "network-edge");
    link.append("line")
      .attr("x1", (e) => e.source.x).attr("y1", (e) => e.source.y)
      .attr("x2", (e) => e.target.x).attr("y2", (e) => e.target.y)
      .attr("stroke-width", (e) => Math.min(6, e.weight));
    link.append("title").text((e) => `${e.source.name} — ${e.target.name}: ${dates(e)}`
      + (overview ? ` (${say("events: {n}", { n: e.weight })})` : ""));
    const node = svg.append("g").attr("class", "nodes").selectAll("a").data(nodes).join("a")
      .attr("class", (n) => `network-node kind-${n.kind}${n.id === focus ? " focus" : ""}`)
      .attr("href", (n) => hrefOf(n.id, base))
      .attr("data-iri", (n) => n.id)
      .attr("transform", (n) => `translate(${n.x},${n.y})`);
    node.append("circle").attr("r", radius).attr("fill", (n) => color(n.kind));
    node.append("title").text((n) => `${n.name} (${say(n.kind)})`);
    label(node, link, edges);
    fillLegend(legend, KINDS.filter((k) => nodes.some((n) => n.kind === k))
      .map((k) => [k, say(k), color(k)]));
    for (const [key, value] of [["nodes", nodes.length], ["edges", edges.length]]) {
      for (const span of document.querySelectorAll(`[data-count="${key}"]`)) span.textContent = value;
    }
  }

  // names beside the nodes with most links first, dates on the edges after, each only where it
  // overlaps nothing and stays inside the figure; the others are in the titles (on hover)
  function label(node, link, edges) {
    const degree = new Map();
    for (const e of edges) for (const n of [e.source, e.target]) degree.set(n.id, (degree.get(n.id) || 0) + 1);
    const links = (n) => degree.get(n.id) || 0;
    const order = (a, b) => (b.id === focus) - (a.id === focus) || links(b) - links(a)
      || (b.kind === "city") - (a.kind === "city") || a.name.localeCompare(b.name, "ru");
    const names = node.append("text").text((n) => n.name);
    const bounds = { x: 0, y: 0, width, height };
    const taken = node.data().map((n) => markBox(n.x, n.y, radius(n) + 1));
    const nodeLabels = names.nodes().map((t) => ({ node: t, datum: t.__data__ }))
      .sort((a, b) => order(a.datum, b.datum))
      .map(({ node: t, datum: n }) => ({ node: t, x: n.x, y: n.y, r: radius(n) }));
    const boxes = placeLabels(nodeLabels, bounds, taken);
    if (edges.length <= 60) {
      const dated = link.append("text").attr("class", "edge-label")
        .attr("transform", (e) => `translate(${(e.source.x + e.target.x) / 2},${(e.source.y + e.target.y) / 2})`)
        .text(dates);
      placeLabels(dated.nodes().map((t) => ({ node: t, x: (t.__data__.source.x + t.__data__.target.x) / 2,
        y: (t.__data__.source.y + t.__data__.target.y) / 2, r: 0 })), bounds, [...taken, ...boxes]);
    }
  }

  const years = uniqueSorted(rows.filter((r) => !focus || r.a === focus || r.b === focus).map((r) => r.date.slice(0, 4)));
  const box = figure.querySelector(".view-filters") || document.getElementById("filters");
  if (box && !overview) addSelect(box, say("Year"), years, render);
  render("");
}

start(draw);
