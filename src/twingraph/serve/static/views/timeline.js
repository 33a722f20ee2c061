// The timeline: one mark per event, as wide as its date's precision (a day, a month or a year),
// in one lane per partner city; filters by partner city, person, organization and year.
// An overview page (too many events to draw one by one) gives events per year and city instead:
// one cell per lane and year, darker for more events, each a link to that city's events of that year.
import { addSelect, formatDate, hrefOf, spanOf, start, uniqueSorted } from "./common.js";

const d3 = window.d3;

function split(list) {
  return list ? list.split("; ") : [];
}

function draw(figure, rows) {
  const base = figure.dataset.base;
  const events = rows.map((r) => ({ ...r, span: spanOf(r.date), people: split(r.persons), orgs: split(r.organizations) }));
  const filters = { city: "", person: "", organization: "", year: "" };
  const box = document.getElementById("filters");
  addSelect(box, "Город", uniqueSorted(events.map((e) => e.city)), (v) => update({ city: v }));
  addSelect(box, "Человек", uniqueSorted(events.flatMap((e) => e.people)), (v) => update({ person: v }));
  addSelect(box, "Организация", uniqueSorted(events.flatMap((e) => e.orgs)), (v) => update({ organization: v }));
  addSelect(box, "Год", uniqueSorted(events.map((e) => e.date.slice(0, 4))), (v) => update({ year: v }));

  const lanes = uniqueSorted(events.map((e) => e.city || "—"));
  const margin = { top: 20, right: 20, bottom: 30, left: 110 };
  const width = Math.max(figure.clientWidth, 600);
  const height = margin.top + margin.bottom + lanes.length * 28;
  const x = d3.scaleUtc()
    .domain([d3.min(events, (e) => e.span[0]), d3.max(events, (e) => e.span[1])]).nice()
    .range([margin.left, width - margin.right]);
  const y = d3.scaleBand().domain(lanes).range([margin.top, height - margin.bottom]).padding(0.2);
  const svg = d3.create("svg").attr("class", "timeline").attr("viewBox", [0, 0, width, height])
    .attr("role", "img").attr("aria-label", `Хронология: ${events.length} событий`);
  svg.append("g").attr("transform", `translate(0,${height - margin.bottom})`).call(d3.axisBottom(x));
  svg.append("g").attr("transform", `translate(${margin.left},0)`).call(d3.axisLeft(y));
  const items = svg.append("g").selectAll("a").data(events).join("a")
    .attr("class", (e) => `timeline-item precision-${e.precision}`)
    .attr("href", (e) => hrefOf(e.event, base))
    .attr("data-event", (e) => e.event)
    .attr("data-precision", (e) => e.precision)
    .attr("data-days", (e) => Math.round((e.span[1] - e.span[0]) / 86400000));
  items.append("rect")
    .attr("x", (e) => x(e.span[0]))
    .attr("width", (e) => Math.max(1, x(e.span[1]) - x(e.span[0])))
    .attr("y", (e) => y(e.city || "—"))
    .attr("height", y.bandwidth());
  items.append("title").text((e) => `${formatDate(e.date)}${e.endDate ? " – " + formatDate(e.endDate) : ""}: ${e.name}`);
  figure.prepend(svg.node());
  const count = document.createElement("p");
  count.className = "muted view-count";
  figure.append(count);

  function keep(e) {
    return (!filters.city || e.city === filters.city) && (!filters.person || e.people.includes(filters.person))
      && (!filters.organization || e.orgs.includes(filters.organization))
      && (!filters.year || e.date.startsWith(filters.year));
  }
  function update(change) {
    Object.assign(filters, change);
    items.attr("display", (e) => (keep(e) ? null : "none"));
    const shown = events.filter(keep);
    count.textContent = `Показано событий: ${shown.length} из ${events.length}`;
    const shownEvents = new Set(shown.map((e) => e.event));
    for (const row of document.querySelectorAll("#fallback tbody tr[data-event]")) {
      row.hidden = !shownEvents.has(row.dataset.event);
    }
  }
  update({});
}

function drawCells(figure, rows) {
  const lanes = [...new Set(rows.map((r) => r.city))];
  const years = uniqueSorted(rows.map((r) => r.year));
  const margin = { top: 20, right: 20, bottom: 30, left: 140 };
  const width = Math.max(figure.clientWidth, 600);
  const height = margin.top + margin.bottom + lanes.length * 18;
  const x = d3.scaleBand().domain(years).range([margin.left, width - margin.right]).padding(0.05);
  const y = d3.scaleBand().domain(lanes).range([margin.top, height - margin.bottom]).padding(0.1);
  const shade = d3.scaleLinear().domain([0, d3.max(rows, (r) => Number(r.count)) || 1]).range([0.1, 1]);
  const svg = d3.create("svg").attr("class", "timeline overview").attr("viewBox", [0, 0, width, height])
    .attr("role", "img").attr("aria-label", `Хронология: события по годам, ${lanes.length} городов`);
  svg.append("g").attr("transform", `translate(0,${height - margin.bottom})`).call(d3.axisBottom(x)
    .tickValues(years.filter((_, j) => j % Math.ceil(years.length / 20) === 0)));
  svg.append("g").attr("transform", `translate(${margin.left},0)`).call(d3.axisLeft(y));
  const cells = svg.append("g").selectAll("a").data(rows).join("a").attr("class", "timeline-cell")
    .attr("href", (r) => r.href);
  cells.append("rect").attr("x", (r) => x(r.year)).attr("width", x.bandwidth())
    .attr("y", (r) => y(r.city)).attr("height", y.bandwidth()).attr("fill-opacity", (r) => shade(Number(r.count)));
  cells.append("title").text((r) => `${r.city}, ${r.year}: событий ${r.count}`);
  figure.prepend(svg.node());
}

start((figure, rows) => (figure.dataset.mode === "overview" ? drawCells(figure, rows) : draw(figure, rows)));
