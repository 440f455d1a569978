// Rows as an accessible table: lists, DOIs as links beside their citations, identifiers in a form that pastes
// back into the SPARQL editor.
import { duration, h, sparqlTerm } from "./dom.js";

export const isIri = (value) => typeof value === "string" && /^(https?|urn):/.test(value);

/** A cell; `heading` is shown beside the value where rows are stacked (phones); `title` is its tooltip. */
export function cell(heading, value, title = null) {
  const td = cellContent(heading, value);
  td.dataset.column = heading;
  if (title) td.title = title;
  return td;
}

function cellContent(heading, value) {
  if (value === null || value === undefined || value === "") return h("td", { class: "empty" });
  if (Array.isArray(value)) {
    return h("td", {}, value.length ? h("ul", { class: "plain" }, value.map((item) => h("li", {}, text(item)))) : "");
  }
  if (heading === "doi") {
    return h("td", {}, h("a", { href: `https://doi.org/${value}`, rel: "noreferrer" }, String(value)));
  }
  if (heading === "citation") { // a whole reference in two lines; all of it in the tooltip
    return h("td", {}, h("span", { class: "clamp", title: String(value) }, String(value)));
  }
  return h("td", {}, text(value));
}

function text(value) {
  if (isIri(value)) return h("code", { class: "term" }, sparqlTerm(value));
  return typeof value === "string" ? duration(value) : String(value); // "P2M" read as "2 months"
}

/** The scrolling region a table sits in (sideways on narrow screens, downwards past 36 rem). */
export function region(caption, ...content) {
  return h("div", { class: "table-scroll", role: "region", "aria-label": caption, tabindex: "0" }, ...content);
}

/** A plain table of rows (objects keyed by column). */
export function table(columns, rows, caption) {
  const head = h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.replaceAll("_", " "))));
  const body = rows.map((row) => h("tr", {}, columns.map((column) => cell(column.replaceAll("_", " "), row[column]))));
  return region(caption, h("table", {}, h("caption", {}, caption), h("thead", {}, head), h("tbody", {}, body)));
}
