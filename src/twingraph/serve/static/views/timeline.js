// The timeline: one mark per event, from the start of its date to the end of its end date, each at its
// precision (a day, a month or a year), in one lane per partner city, on an axis fitted to where most
// events are (the lone outliers marked at its edges; Ctrl+wheel zooms it, drag pans); filters by partner city,
// person, organization and year, the axis fitted again to the events they leave.
// An overview page (too many events to draw one by one) gives events per year and city instead:
// one cell per lane and year, darker for more events, each a link to that city's events of that year.
import { addSelect, denseDomain, fillLegend, formatDate, hrefOf, rangeOf, say, start, tickDate, uniqueSorted }
  from "./common.js";

const d3 = window.d3;
const PRECISIONS = { day: "date known to the day", month: "to the month", year: "to the year" };

function split(list) {
  return list ? list.split("; ") : [];
}

// The events outside the domain: one marker at the edge they lie beyond, in their lane.
function edgeOf(span, domain) {
  return span[1] <= domain[0] ? "left" : span[0] >= domain[1] ? "right" : "";
}

function draw(figure, rows) {
  const base = figure.dataset.base;
  const events = rows.map((r) => ({ ...r, span: rangeOf(r.date, r.endDate), people: split(r.persons),
    orgs: split(r.organizations) }));
  const filters = { city: "", person: "", organization: "", year: "" };
  const box = document.getElementById("filters");
  addSelect(box, say("City"), uniqueSorted(events.map((e) => e.city)), (v) => update({ city: v }));
  addSelect(box, say("People"), uniqueSorted(events.flatMap((e) => e.people)), (v) => update({ person: v }));
  addSelect(box, say("Organization"), uniqueSorted(events.flatMap((e) => e.orgs)), (v) => update({ organization: v }));
  addSelect(box, say("Year"), uniqueSorted(events.map((e) => e.date.slice(0, 4))), (v) => update({ year: v }));

  const lanes = uniqueSorted(events.map((e) => e.city || "—"));
  const margin = { top: 20, right: 34, bottom: 30, left: 110 };
  const width = Math.max(figure.clientWidth, 600);
  const height = margin.top + margin.bottom + lanes.length * 28;
  const x = d3.scaleUtc().range([margin.left, width - margin.right]);
  const y = d3.scaleBand().padding(0.2);
  const lane = (e) => y(e.city || "—") ?? 0;
  const svg = d3.create("svg").attr("class", "timeline").attr("viewBox", [0, 0, width, height])
    .attr("role", "img").attr("aria-label", say("Timeline: {n} events", { n: events.length }));
  const clip = `timeline-clip-${Math.random().toString(36).slice(2)}`;
  const clipRect = svg.append("clipPath").attr("id", clip).append("rect")
    .attr("x", margin.left).attr("y", 0).attr("width", width - margin.left - margin.right);
  const xAxis = svg.append("g").attr("class", "x-axis");
  const yAxis = svg.append("g").attr("class", "y-axis").attr("transform", `translate(${margin.left},0)`);
  const items = svg.append("g").selectAll("a").data(events).join("a")
    .attr("class", (e) => `timeline-item precision-${e.precision}`)
    .attr("href", (e) => hrefOf(e.event, base))
    .attr("data-event", (e) => e.event)
    .attr("data-precision", (e) => e.precision)
    .attr("data-start", (e) => e.span[0].toISOString().slice(0, 10))
    .attr("data-end", (e) => e.span[1].toISOString().slice(0, 10))
    .attr("data-days", (e) => Math.round((e.span[1] - e.span[0]) / 86400000));
  const bars = items.append("rect").attr("clip-path", `url(#${clip})`);
  // an event beyond the fitted axis: a triangle at that edge with its year, still a link to the event
  const marks = items.append("g").attr("class", "beyond");
  marks.append("path").attr("d", "M0,0L8,-6L8,6Z");
  marks.append("text").attr("class", "beyond-year").attr("x", 10).attr("dy", "0.35em").text((e) => e.date.slice(0, 4));
  items.append("title").text((e) => `${formatDate(e.date)}${e.endDate ? " – " + formatDate(e.endDate) : ""}: ${e.name}`);
  figure.prepend(svg.node());
  // the shade of a mark tells the precision of its dates: a legend of those drawn
  const legend = document.createElement("ul");
  legend.className = "legend timeline-legend";
  const shade = (p) => getComputedStyle(bars.filter((e) => e.precision === p).node()).fillOpacity;
  fillLegend(legend, Object.keys(PRECISIONS).filter((p) => events.some((e) => e.precision === p))
    .map((p) => [p, say(PRECISIONS[p]), "var(--accent)", shade(p)]));
  svg.node().after(legend);
  const count = document.createElement("p");
  count.className = "muted view-count";
  figure.append(count);

  // the axis of the events shown, fitted to where most of them are; Ctrl+wheel zooms it, drag pans
  let fitted = denseDomain(events.map((e) => e.span));
  function place(domain) {
    x.domain(domain);
    xAxis.call(d3.axisBottom(x).ticks(Math.max(2, Math.floor((width - margin.left - margin.right) / 80)))
      .tickFormat(tickDate));
    svg.attr("data-domain", domain.map((d) => d.toISOString().slice(0, 10)).join("/"));
    bars.attr("x", (e) => x(e.span[0])).attr("width", (e) => Math.max(1, x(e.span[1]) - x(e.span[0])));
    items.attr("data-outside", (e) => edgeOf(e.span, domain) || null);
    marks.attr("display", (e) => (edgeOf(e.span, domain) ? null : "none"))
      .attr("transform", (e) => {
        const right = edgeOf(e.span, domain) === "right";
        return `translate(${right ? width - margin.right : margin.left},${lane(e) + y.bandwidth() / 2})`
          + (right ? " scale(-1,1)" : "");
      });
    marks.select("text").attr("transform", (e) => (edgeOf(e.span, domain) === "right" ? "scale(-1,1)" : null))
      .attr("text-anchor", (e) => (edgeOf(e.span, domain) === "right" ? "end" : "start"))
      .attr("x", (e) => (edgeOf(e.span, domain) === "right" ? -10 : 10));
  }
  // the lanes of the events shown (all of them when none is)
  function fitLanes(shown) {
    const kept = lanes.filter((l) => shown.some((e) => (e.city || "—") === l));
    const tall = margin.top + margin.bottom + Math.max(kept.length, 1) * 28;
    y.domain(kept.length ? kept : lanes).range([margin.top, tall - margin.bottom]);
    svg.attr("viewBox", [0, 0, width, tall]);
    clipRect.attr("height", tall);
    xAxis.attr("transform", `translate(0,${tall - margin.bottom})`);
    yAxis.call(d3.axisLeft(y));
    bars.attr("y", lane).attr("height", y.bandwidth());
  }
  // the wheel zooms only with Ctrl or ⌘ held, so that it still scrolls the page; drag pans
  const zoom = d3.zoom().scaleExtent([1, 500])
    .filter((event) => (event.type === "wheel" ? event.ctrlKey || event.metaKey : !event.button))
    .extent([[margin.left, 0], [width - margin.right, height]])
    .translateExtent([[margin.left, 0], [width - margin.right, height]])
    .on("zoom", (event) => place(event.transform.rescaleX(x.copy().domain(fitted)).domain()));
  svg.call(zoom);
  const reset = document.createElement("button");
  reset.type = "button";
  reset.className = "view-reset";
  reset.textContent = say("Whole axis");
  reset.addEventListener("click", () => svg.call(zoom.transform, d3.zoomIdentity));
  const hint = document.createElement("small");
  hint.className = "view-hint";
  hint.textContent = ` ${say("Ctrl + mouse wheel: zoom; drag: pan")}`;
  box.append(reset, hint);

  function keep(e) {
    return (!filters.city || e.city === filters.city) && (!filters.person || e.people.includes(filters.person))
      && (!filters.organization || e.orgs.includes(filters.organization))
      && (!filters.year || e.date.startsWith(filters.year));
  }
  function update(change) {
    Object.assign(filters, change);
    items.attr("display", (e) => (keep(e) ? null : "none"));
    const shown = events.filter(keep);
    count.textContent = say("Events shown: {shown} of {total}", { shown: shown.length, total: events.length });
    const shownEvents = new Set(shown.map((e) => e.event));
    for (const row of document.querySelectorAll("#fallback tbody tr[data-event]")) {
      row.hidden = !shownEvents.has(row.dataset.event);
    }
    fitLanes(shown);
    // room at both ends (more beside an edge marker), so that no event is drawn under a marker
    const [from, to] = denseDomain(shown.map((e) => e.span));
    const [left, right] = [shown.some((e) => e.span[1] <= from) ? 48 : 6, shown.some((e) => e.span[0] >= to) ? 48 : 6];
    const perPixel = (to - from) / (width - margin.left - margin.right - left - right);
    fitted = [new Date(+from - left * perPixel), new Date(+to + right * perPixel)];
    svg.call(zoom.transform, d3.zoomIdentity);
    place(fitted);
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
    .attr("role", "img").attr("aria-label", say("Timeline: events per year, {n} cities", { n: lanes.length }));
  svg.append("g").attr("transform", `translate(0,${height - margin.bottom})`).call(d3.axisBottom(x)
    .tickValues(years.filter((_, j) => j % Math.ceil(years.length / 20) === 0)));
  svg.append("g").attr("transform", `translate(${margin.left},0)`).call(d3.axisLeft(y));
  const cells = svg.append("g").selectAll("a").data(rows).join("a").attr("class", "timeline-cell")
    .attr("href", (r) => r.href);
  cells.append("rect").attr("x", (r) => x(r.year)).attr("width", x.bandwidth())
    .attr("y", (r) => y(r.city)).attr("height", y.bandwidth()).attr("fill-opacity", (r) => shade(Number(r.count)));
  cells.append("title").text((r) => say("{city}, {year}: {n} events", { city: r.city, year: r.year, n: r.count }));
  figure.prepend(svg.node());
}

start((figure, rows) => (figure.dataset.mode === "overview" ? drawCells(figure, rows) : draw(figure, rows)));
