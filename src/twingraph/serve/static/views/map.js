// The map: the world outline from the bundled world-atlas TopoJSON (no tile server),
// a marker for Kazan and for each partner city with coordinates, and beside it the
// cities that have none yet.
import { hrefOf, start } from "./common.js";

const d3 = window.d3;
const topojson = window.topojson;
const ATLAS = "/static/vendor/world-atlas/countries-110m.json";

async function draw(figure, rows) {
  const base = figure.dataset.base;
  const world = await (await fetch(ATLAS)).json();
  const placed = rows.filter((r) => r.lat !== "" && r.lon !== "");
  const unplaced = rows.filter((r) => r.lat === "" || r.lon === "");
  const width = Math.max(figure.clientWidth - 220, 480);
  const height = Math.round(width * 0.5);
  const projection = d3.geoEqualEarth().fitSize([width, height], { type: "Sphere" });
  const path = d3.geoPath(projection);
  const svg = d3.create("svg").attr("class", "map").attr("viewBox", [0, 0, width, height]).attr("role", "img")
    .attr("aria-label", `Карта: ${placed.length} городов с координатами, ${unplaced.length} без`);
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
  const named = new Set([...placed].sort((a, b) => weight(b) - weight(a)).slice(0, labelled));
  const marker = svg.append("g").selectAll("a").data(placed).join("a")
    .attr("class", (r) => `map-marker role-${r.role}`)
    .attr("href", (r) => hrefOf(r.city, base))
    .attr("data-city", (r) => r.city)
    .attr("transform", (r) => `translate(${projection([+r.lon, +r.lat])})`);
  marker.append("circle").attr("r", (r) => (r.role === "home" ? 6 : 4.5));
  marker.filter((r) => named.has(r)).append("text").attr("x", 7).attr("y", 4).text((r) => r.name);
  marker.append("title").text((r) => `${r.name}: соглашений ${r.agreements}, событий ${r.events}`);

  const layout = document.createElement("div");
  layout.className = "map-layout";
  const aside = document.createElement("aside");
  aside.className = "map-unplaced";
  const heading = document.createElement("h2");
  heading.textContent = `Без координат (${unplaced.length})`;
  const list = document.createElement("ul");
  const listed = Number(figure.dataset.listed || Infinity);
  const busiest = (a, b) => (b.role === "home") - (a.role === "home") || weight(b) - weight(a);
  for (const r of unplaced.length > listed ? [...unplaced].sort(busiest).slice(0, listed) : unplaced) {
    const item = document.createElement("li");
    const a = document.createElement("a");
    a.href = hrefOf(r.city, base);
    a.textContent = r.name + (r.role === "home" ? " (домашний город)" : "");
    item.append(a);
    item.className = "unplaced-city";
    list.append(item);
  }
  aside.append(heading, list);
  if (unplaced.length > listed) {
    const more = document.createElement("p");
    more.className = "muted";
    more.textContent = `Показаны ${listed} из ${unplaced.length}: с наибольшим числом соглашений и событий.`;
    aside.append(more);
  }
  layout.append(svg.node(), aside);
  figure.prepend(layout);
}

start(draw);
