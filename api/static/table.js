// Rows as an accessible table: compact IRIs, lists, and DOIs as links beside their citations.
import { compact, h } from "./dom.js";

function cell(column, value) {
  const td = cellContent(column, value);
  td.dataset.column = column.replaceAll("_", " "); // shown beside the value where rows are stacked (phones)
  return td;
}

function cellContent(column, value) {
  if (value === null || value === undefined || value === "") return h("td", { class: "empty" });
  if (Array.isArray(value)) {
    return h("td", {}, value.length ? h("ul", { class: "plain" }, value.map((item) => h("li", {}, text(item)))) : "");
  }
  if (column === "doi") {
    return h("td", {}, h("a", { href: `https://doi.org/${value}`, rel: "noreferrer" }, String(value)));
  }
  return h("td", {}, text(value));
}

function text(value) {
  const shown = typeof value === "string" ? compact(value) : String(value);
  // Full IRIs stay reachable: as a tooltip and to assistive technology.
  return shown === value || typeof value !== "string" ? shown : h("span", { title: value }, shown);
}

/** A table of rows (objects keyed by column) in a region that scrolls sideways on narrow screens. */
export function table(columns, rows, caption) {
  const head = h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.replaceAll("_", " "))));
  const body = rows.map((row) => h("tr", {}, columns.map((column) => cell(column, row[column]))));
  return h("div", { class: "table-scroll", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", {}, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, body)));
}
