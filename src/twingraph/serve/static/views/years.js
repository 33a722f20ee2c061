// Agreements and events per year, stacked by partner city: two bar charts on one year axis.
import { fillLegend, say, start, uniqueSorted } from "./common.js";

const d3 = window.d3;
const KINDS = [["agreement", "Agreements"], ["event", "Events"]];

function draw(figure, rows) {
  // every year from the first to the last, in numeric order: a year without agreements or events is a gap
  const known = rows.map((r) => Number(r.year)).filter((y) => Number.isInteger(y) && y > 0);
  const years = known.length ? d3.range(d3.min(known), d3.max(known) + 1).map(String) : [];
  const cities = uniqueSorted(rows.map((r) => r.city));
  const color = d3.scaleOrdinal(cities, d3.schemeTableau10);
  const width = Math.max(figure.clientWidth, 600);
  const panel = 200;
  const margin = { top: 24, right: 10, bottom: 44, left: 40 };
  const height = margin.top + KINDS.length * (panel + margin.bottom) + 10;
  const x = d3.scaleBand().domain(years).range([margin.left, width - margin.right]).padding(0.15);
  const svg = d3.create("svg").attr("class", "years").attr("viewBox", [0, 0, width, height]).attr("role", "img")
    .attr("aria-label", say("Agreements and events by year and city"));
  KINDS.forEach(([kind, label], i) => {
    const top = margin.top + i * (panel + margin.bottom);
    const table = years.map((year) => Object.fromEntries([["year", year], ...cities.map((c) => [c, 0])]));
    for (const r of rows.filter((r) => r.kind === kind)) table[years.indexOf(r.year)][r.city] = Number(r.count);
    const series = d3.stack().keys(cities)(table);
    const y = d3.scaleLinear().domain([0, d3.max(series.at(-1), (d) => d[1]) || 1]).nice().range([top + panel, top]);
    const g = svg.append("g").attr("class", `panel panel-${kind}`);
    g.append("text").attr("x", margin.left).attr("y", top - 6).attr("class", "panel-title").text(say(label));
    g.append("g").attr("class", "x-axis").attr("transform", `translate(0,${top + panel})`).call(d3.axisBottom(x)
      .tickValues(years.filter((_, j) => j % Math.ceil(years.length / 20) === 0)));
    // counts are whole: integer ticks only, however small the largest
    g.append("g").attr("class", "y-axis").attr("transform", `translate(${margin.left},0)`)
      .call(d3.axisLeft(y).tickValues(y.ticks(Math.min(4, y.domain()[1])).filter(Number.isInteger))
        .tickFormat(d3.format("d")));
    g.append("g").selectAll("g").data(series).join("g").attr("fill", (s) => color(s.key))
      .selectAll("rect").data((s) => s.filter((d) => d[1] > d[0]).map((d) => ({ ...d, city: s.key }))).join("rect")
      .attr("class", `bar bar-${kind}`)
      .attr("x", (d) => x(d.data.year)).attr("width", x.bandwidth())
      .attr("y", (d) => y(d[1])).attr("height", (d) => y(d[0]) - y(d[1]))
      .append("title").text((d) => `${d.data.year}, ${d.city}: ${d[1] - d[0]}`);
  });
  figure.prepend(svg.node());
  const legend = document.createElement("ul");
  legend.className = "legend";
  fillLegend(legend, cities.map((c) => [c, c, color(c)]));
  figure.append(legend);
}

start(draw);
