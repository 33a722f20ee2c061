// The map: the world outline from the bundled world-atlas TopoJSON (no tile server),
// a marker for the home city and for each partner city with coordinates, named where the name
// overlaps nothing, and beside it the cities that have none yet (no column when there is none).
import { fillLegend, hrefOf, markBox, placeLabels, say, start } from "./common.js";

const d3 = window.d3;
const topojson = window.topojson;
const ATLAS = "/static/vendor/world-atlas/countries-110m.json";
const ROLES = { home: ["home city", "#1d2430"], partner: ["partner city", "#c0392b"] };

async function draw(figure, rows) {
  const base = figure.dataset.base;
  const world = await (await fetch(ATLAS)).json();
  const placed = rows.filter((r) => r.lat !== "" && r.lon !== "");
  const unplaced = rows.filter((r) => r.lat === "" || r.lon === "");
  // the side list takes room only when there is a city to list
  const width = Math.max(figure.clientWidth - (unplaced.length ? 220 : 0), 480);
  const height = Math.round(width * 0.5);
  const projection = d3.geoEqualEarth().fitSize([width, height], { type: "Sphere" });
  const path = d3.geoPath(projection);
  const svg = d3.create("svg").attr("class", "map").attr("viewBox", [0, 0, width, height]).attr("role", "img")
    .attr("aria-label", say("Map: {placed} cities with coordinates, {unplaced} without",
      { placed: placed.length, unplaced: unplaced.length }));
  svg.append("path").attr("class", "sphere").attr("d", path({ type: "Sphere" }));
  svg.append("path").attr("class", "land").attr("d", path(topojson.feature(world, world.objects.countries)));
  svg.append("path").attr("class", "borders")
    .attr("d", path(topojson.mesh(world, world.objects.countries, (a, b) => a !== b)));
  const home = placed.find((r) => r.role === "home");
  if (home) {
    svg.append("g").attr("class", "routes").selectAll("path").data(placed.filter((r) => r !== home)).join("path")
      .attr("d", (r) => path({ type: "LineString", coordinates: [[+home.lon, +home.lat], [+r.lon, +r.lat]] }));
  }
  // past data-labelled markers, only the cities with most agreements and events get a name beside them
  const weight = (r) => Number(r.agreements || 0) + Number(r.events || 0);
  const labelled = Number(figure.dataset.labelled || Infinity);
  const busiest = (a, b) => (b.role === "home") - (a.role === "home") || weight(b) - weight(a);
  const named = new Set([...placed].sort(busiest).slice(0, labelled));
  const marker = svg.append("g").selectAll("a").data(placed).join("a")
    .attr("class", (r) => `map-marker role-${r.role}`)
    .attr("href", (r) => hrefOf(r.city, base))
    .attr("data-city", (r) => r.city)
    .attr("transform", (r) => `translate(${projection([+r.lon, +r.lat])})`);
  marker.append("circle").attr("r", (r) => (r.role === "home" ? 6 : 4.5)).style("fill", (r) => ROLES[r.role][1]);
  marker.append("title").text((r) => say("{name}: {agreements} agreements, {events} events", r));
  figure.prepend(svg.node()); // in the page, so that the labels can be measured
  // the busiest cities' names first, each where it overlaps no other name or marker; the rest on hover
  const at = (r) => projection([+r.lon, +r.lat]);
  const radius = (r) => (r.role === "home" ? 6 : 4.5);
  const names = marker.filter((r) => named.has(r)).append("text").text((r) => r.name);
  placeLabels(names.nodes().sort((a, b) => busiest(a.__data__, b.__data__))
    .map((t) => ({ node: t, x: at(t.__data__)[0], y: at(t.__data__)[1], r: radius(t.__data__) })),
  { x: 0, y: 0, width, height }, placed.map((r) => markBox(...at(r), radius(r))));
  const legend = document.createElement("ul");
  legend.className = "legend map-legend";
  fillLegend(legend, Object.keys(ROLES).filter((role) => placed.some((r) => r.role === role))
    .map((role) => [role, say(ROLES[role][0]), ROLES[role][1]]));
  svg.node().after(legend);
  if (!unplaced.length) return;

  const layout = document.createElement("div");
  layout.className = "map-layout";
  const aside = document.createElement("aside");
  aside.className = "map-unplaced";
  const heading = document.createElement("h2");
  heading.textContent = say("No coordinates ({n})", { n: unplaced.length });
  const list = document.createElement("ul");
  const listed = Number(figure.dataset.listed || Infinity);
  for (const r of unplaced.length > listed ? [...unplaced].sort(busiest).slice(0, listed) : unplaced) {
    const item = document.createElement("li");
    const a = document.createElement("a");
    a.href = hrefOf(r.city, base);
    a.textContent = r.role === "home" ? say("{name} (home city)", r) : r.name;
    item.append(a);
    item.className = "unplaced-city";
    list.append(item);
  }
  aside.append(heading, list);
  if (unplaced.length > listed) {
    const more = document.createElement("p");
    more.className = "muted";
    more.textContent = say("Showing {shown} of {total}: those with most agreements and events.",
      { shown: listed, total: unplaced.length });
    aside.append(more);
  }
  figure.prepend(layout);
  layout.append(svg.node(), aside);
  layout.after(legend);
}

start(draw);
