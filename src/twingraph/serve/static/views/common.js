// Shared helpers of the views: fetch a named query's SPARQL JSON, links, dates, filters.
// The data always comes from the figure's data-source (a named query of the store).

// A page that aggregates or zooms carries the rows it draws (data-rows names their element).
export async function loadRows(figure) {
  if (figure.dataset.rows) return JSON.parse(document.getElementById(figure.dataset.rows).textContent);
  const response = await fetch(figure.dataset.source, { headers: { Accept: "application/sparql-results+json" } });
  if (!response.ok) throw new Error(`${figure.dataset.source}: HTTP ${response.status}`);
  const json = await response.json();
  return json.results.bindings.map((b) => Object.fromEntries(json.head.vars.map((v) => [v, b[v] ? b[v].value : ""])));
}

// A link to a dataset IRI points at its page on this host, as the server's pages do.
// Anything but an http(s) IRI (a javascript: IRI in the data, say) links nowhere.
export function hrefOf(iri, base) {
  if (base && iri.startsWith(base)) return "/" + iri.slice(base.length);
  return /^https?:\/\//i.test(iri) ? iri : "#";
}

// The interface's texts in the page's language: the server writes them, translated from its catalogue,
// into #view-messages (twingraph.serve.pages.SCRIPT_TEXTS); {name} in a text is replaced by values[name].
export function say(text, values = {}) {
  const element = document.getElementById("view-messages");
  const texts = element ? JSON.parse(element.textContent) : {};
  const said = typeof texts[text] === "string" ? texts[text] : text;
  return said.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// The month names of the page's language (#view-messages): "months" standing alone, "monthsShort" after a day.
function monthNames(form) {
  const element = document.getElementById("view-messages");
  const names = element ? JSON.parse(element.textContent)[form] : null;
  return Array.isArray(names) && names.length === 12 ? names : Array.from({ length: 12 }, (_, i) => String(i + 1));
}

export function precisionOf(date) {
  return date.length >= 10 ? "day" : date.length >= 7 ? "month" : "year";
}

// A date shown at its own precision, as the pages write it: 2019, май 2019, 25 мая 2019 (May 2019, 25 May 2019).
export function formatDate(date) {
  const [y, m, d] = date.split("-");
  if (d) return `${Number(d.slice(0, 2))} ${monthNames("monthsShort")[Number(m) - 1]} ${y}`;
  if (m) return `${monthNames("months")[Number(m) - 1]} ${y}`;
  return y;
}

// A time axis's tick in the page's language: a year at its start, a month at the start of one, else a day.
export function tickDate(date) {
  const [month, day] = [date.getUTCMonth(), date.getUTCDate()];
  if (month === 0 && day === 1) return String(date.getUTCFullYear());
  if (day === 1) return monthNames("monthsShort")[month];
  return `${day} ${monthNames("monthsShort")[month]}`;
}

// The span a date covers: a whole year, a whole month or one day.
export function spanOf(date) {
  const [y, m, d] = date.split("-").map(Number);
  if (d) return [new Date(Date.UTC(y, m - 1, d)), new Date(Date.UTC(y, m - 1, d + 1))];
  if (m) return [new Date(Date.UTC(y, m - 1, 1)), new Date(Date.UTC(y, m, 1))];
  return [new Date(Date.UTC(y, 0, 1)), new Date(Date.UTC(y + 1, 0, 1))];
}

// The span an event covers: from the start of its start date to the end of its end date (or of its start
// date when it has none), each at its own precision: "2002" to "2018" is the whole of 2002-2018.
export function rangeOf(date, endDate) {
  const [start] = spanOf(date);
  const end = spanOf(endDate && endDate >= date ? endDate : date)[1];
  return [start, end];
}

// The time domain fitted to where the spans are: the lone outliers at either end (at most a twentieth of
// them, and only past a gap wider than a quarter of what remains) are left outside, to be marked at the edge.
// Returns [start, end] as Dates; the spans are [start, end] pairs of Dates.
export function denseDomain(spans, gapShare = 0.25) {
  if (!spans.length) return [new Date(Date.UTC(2000, 0, 1)), new Date(Date.UTC(2001, 0, 1))];
  const byStart = [...spans].sort((a, b) => a[0] - b[0]);
  const byEnd = [...spans].sort((a, b) => b[1] - a[1]);
  let dropped = 0;
  let first = 0;
  let last = 0;
  const allowed = spans.length >= 4 ? Math.max(1, Math.floor(spans.length / 20)) : 0;
  const lo = () => byStart[first][0];
  const hi = () => byEnd[last][1];
  while (dropped < allowed) {
    // the widest gap between an outermost span and the rest, at either end
    const left = first + 1 < byStart.length ? byStart[first + 1][0] - byStart[first][1] : -Infinity;
    const right = last + 1 < byEnd.length ? byEnd[last][0] - byEnd[last + 1][1] : -Infinity;
    const gap = Math.max(left, right);
    const rest = left >= right ? hi() - byStart[first + 1][0] : byEnd[last + 1][1] - lo();
    if (!(gap > gapShare * rest)) break;
    if (left >= right) first += 1;
    else last += 1;
    dropped += 1;
  }
  return [lo(), hi()];
}

function overlaps(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// Greedy label placement: each label, in the order given (most important first), takes the first of the
// places around its anchor where its box stays inside the bounds and meets no box already taken (other
// labels, the marks in `taken`); a label with no such place is removed, its name staying in the mark's title.
// labels: [{ node: an SVG <text> positioned relative to (x, y), x, y, r: the mark's radius }].
// Returns the boxes of the labels kept, in the SVG's user units.
export function placeLabels(labels, bounds, taken = []) {
  const boxes = [...taken];
  const kept = [];
  for (const { node, x, y, r } of labels) {
    node.setAttribute("x", 0);
    node.setAttribute("y", 0);
    const bb = node.getBBox();
    const [w, h, gap] = [bb.width, bb.height, r + 2];
    const places = [[gap, -h / 2], [-gap - w, -h / 2], [-w / 2, -gap - h], [-w / 2, gap],
      [gap, -h], [gap, 0], [-gap - w, -h], [-gap - w, 0]];
    const spot = places.map(([dx, dy]) => ({ x: x + dx, y: y + dy, width: w, height: h, dx, dy }))
      .find((box) => box.x >= bounds.x && box.y >= bounds.y && box.x + w <= bounds.x + bounds.width
        && box.y + h <= bounds.y + bounds.height && !boxes.some((other) => overlaps(box, other)));
    if (!spot) {
      node.remove();
      continue;
    }
    node.setAttribute("x", spot.dx - bb.x);
    node.setAttribute("y", spot.dy - bb.y);
    boxes.push(spot);
    kept.push(spot);
  }
  return kept;
}

// The box of a round mark of radius r at (x, y), for placeLabels' `taken`.
export function markBox(x, y, r) {
  return { x: x - r, y: y - r, width: 2 * r, height: 2 * r };
}

// A legend (ul.legend) of the series drawn: one entry per [key, text, colour, opacity], each with data-series=key.
export function fillLegend(legend, entries) {
  legend.replaceChildren();
  for (const [key, text, colour, opacity] of entries) {
    const item = document.createElement("li");
    item.dataset.series = key;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colour;
    if (opacity !== undefined) swatch.style.opacity = opacity;
    item.append(swatch, text);
    legend.append(item);
  }
}

// A labelled <select> with "all" first; onChange gets the chosen value ("" for all).
export function addSelect(container, label, values, onChange) {
  const wrap = document.createElement("label");
  wrap.textContent = label + " ";
  const select = document.createElement("select");
  for (const [value, text] of [["", say("all")], ...values.map((v) => [v, v])]) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = text;
    select.append(option);
  }
  select.addEventListener("change", () => onChange(select.value));
  wrap.append(select);
  container.append(wrap);
  container.hidden = false;
  return select;
}

export function uniqueSorted(values) {
  return [...new Set(values.filter(Boolean))].sort((a, b) => a.localeCompare(b, "ru"));
}

// Run a view's draw function once the page and d3 are there; show a failure in the figure.
export function start(draw) {
  const run = async () => {
    const figure = document.getElementById("view");
    try {
      await draw(figure, await loadRows(figure));
      figure.dataset.ready = "true";
    } catch (error) {
      const p = document.createElement("p");
      p.className = "view-error";
      p.textContent = say("The drawing failed ({error}); the data are in the table below.", { error: error.message });
      figure.prepend(p);
      figure.dataset.ready = "error";
      throw error;
    }
  };
  if (document.readyState === "complete") run();
  else window.addEventListener("load", run);
}
