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

const MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
  "ноябрь", "декабрь"];

export function precisionOf(date) {
  return date.length >= 10 ? "day" : date.length >= 7 ? "month" : "year";
}

// A date shown at its own precision: 2019, май 2019, 25.05.2019.
export function formatDate(date) {
  const [y, m, d] = date.split("-");
  if (d) return `${d.slice(0, 2)}.${m}.${y}`;
  if (m) return `${MONTHS[Number(m) - 1]} ${y}`;
  return y;
}

// The span a date covers: a whole year, a whole month or one day.
export function spanOf(date) {
  const [y, m, d] = date.split("-").map(Number);
  if (d) return [new Date(Date.UTC(y, m - 1, d)), new Date(Date.UTC(y, m - 1, d + 1))];
  if (m) return [new Date(Date.UTC(y, m - 1, 1)), new Date(Date.UTC(y, m, 1))];
  return [new Date(Date.UTC(y, 0, 1)), new Date(Date.UTC(y + 1, 0, 1))];
}

// A labelled <select> with "all" first; onChange gets the chosen value ("" for all).
export function addSelect(container, label, values, onChange) {
  const wrap = document.createElement("label");
  wrap.textContent = label + " ";
  const select = document.createElement("select");
  for (const [value, text] of [["", "все"], ...values.map((v) => [v, v])]) {
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
      p.textContent = `Рисунок не построен (${error.message}); данные — в таблице ниже.`;
      figure.prepend(p);
      figure.dataset.ready = "error";
      throw error;
    }
  };
  if (document.readyState === "complete") run();
  else window.addEventListener("load", run);
}
