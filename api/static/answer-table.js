// An answer as people read it: labels rather than identifiers (a label's IRI is its tooltip, and the identifier
// columns are one tick away under "Columns"), outcomes just after what they are outcomes of, sources last. Headers
// sort, a filter hides rows, the reader picks the columns; what they chose (`view`) is handed to `onChange` so the
// page can keep it in its address.
import { h, sparqlTerm, words } from "./dom.js";
import { cell, isIri, region } from "./table.js";

// What happened: these columns come right after the patient and the subject of the row.
const OUTCOMES = new Set(["response_label", "resulting_state_label", "mrd_status_label", "remission_duration",
  "duration", "time_to_relapse", "time_to_state", "status_label", "outcome_label", "rate_percent",
  "ci_lower_percent", "ci_upper_percent", "numerator", "denominator", "value_months", "hazard_ratio",
  "last_state_label", "ended_by_label", "state_label", "followed_by_label", "grade", "severity_label",
  "level_label"]);
// Where a row comes from: last, where every answer has them.
const SOURCES = new Set(["citation", "doi", "pmid", "source_locator", "evidence_level", "rule_file"]);

/** Each column with its heading; `names` is the IRI column a label column names, `identifier` marks IRIs. */
function describe(columns, rows) {
  const present = new Set(columns);
  return columns.map((key) => {
    const base = key.endsWith("_label") ? key.slice(0, -"_label".length) : null;
    if (base) return { key, heading: base.replaceAll("_", " "), names: present.has(base) ? base : null };
    const identifier = rows.some((row) => isIri(row[key]) || (Array.isArray(row[key]) && row[key].some(isIri)));
    return { key, heading: `${key.replaceAll("_", " ")}${identifier ? " (IRI)" : ""}`, identifier };
  });
}

const LEADING_LABELS = 3; // what a row is about: "third relapse, CD19", before what happened

/** Patient and what the row is about first (the labels the answer gives before its first outcome, up to three),
 * then outcomes, the other facts, sources, and the identifiers (hidden at first). */
function ordered(columns) {
  const shown = columns.filter((column) => !column.identifier);
  const rest = shown.filter((column) => !OUTCOMES.has(column.key) && !SOURCES.has(column.key));
  const firstOutcome = shown.findIndex((column) => OUTCOMES.has(column.key));
  const subject = rest.filter((column) => column.key.endsWith("_label")
    && (firstOutcome < 0 || shown.indexOf(column) < firstOutcome)).slice(0, LEADING_LABELS);
  const lead = [...rest.filter((column) => column.key === "patient"), ...subject];
  return [...lead, ...shown.filter((column) => OUTCOMES.has(column.key)),
    ...rest.filter((column) => !lead.includes(column)), ...shown.filter((column) => SOURCES.has(column.key)),
    ...columns.filter((column) => column.identifier)];
}

const sortable = (value) => (Array.isArray(value) ? value.join(", ") : value);

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined || a === "") return 1; // "not stated" last, whichever the direction
  if (b === null || b === undefined || b === "") return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

function sortRows(rows, view) {
  if (!view.sort) return rows;
  const sign = view.desc ? -1 : 1;
  return [...rows].sort((x, y) => {
    const [a, b] = [sortable(x[view.sort]), sortable(y[view.sort])];
    const blank = (value) => value === null || value === undefined || value === "";
    return blank(a) || blank(b) ? compare(a, b) : sign * compare(a, b);
  });
}

function header(column, view, resort) {
  const sorted = view.sort === column.key;
  return h("th", { scope: "col", "aria-sort": sorted ? (view.desc ? "descending" : "ascending") : null },
    h("button", { type: "button", class: "sort", title: "Sort by this column (again: the other way)",
      onclick: () => resort(column.key, sorted ? !view.desc : false) },
    column.heading, sorted ? (view.desc ? " ▼" : " ▲") : ""));
}

function row(record, visible) {
  const cells = visible.map((column) => cell(column.heading, record[column.key],
    column.names && isIri(record[column.names]) ? sparqlTerm(record[column.names]) : null));
  const tr = h("tr", {}, cells);
  tr.dataset.words = words(visible.map((column) => sortable(record[column.key]) ?? "").join(" "));
  return tr;
}

/** The controls and table of one answer; `view` = {sort, desc, filter, columns} as kept in the page's address. */
export function answerTable(answer, caption, view, onChange) {
  const columns = ordered(describe(answer.columns, answer.rows));
  const known = new Set(columns.map((column) => column.key));
  const chosen = (view.columns || []).filter((key) => known.has(key));
  const shown = new Set(chosen.length ? chosen : columns.filter((column) => !column.identifier).map((c) => c.key));
  const status = h("p", { class: "filter-status", "aria-live": "polite" });
  const holder = h("div", {});
  const filter = h("input", { type: "search", id: `filter-${caption.id}`, value: view.filter || "",
    placeholder: "e.g. CD19 neg", autocomplete: "off" });
  const sortBy = h("select", { id: `sort-${caption.id}` });

  // A row is kept when each word typed starts a word of the row, in any column and order ("cd19 neg").
  const applyFilter = () => {
    const wanted = words(filter.value).split(" ").filter(Boolean);
    const rows = [...holder.querySelectorAll("tbody tr")];
    for (const tr of rows) {
      const own = tr.dataset.words.split(" ");
      tr.hidden = !wanted.every((word) => own.some((its) => its.startsWith(word)));
    }
    const left = rows.filter((tr) => !tr.hidden).length;
    status.textContent = wanted.length ? `${left} of ${rows.length} rows match “${filter.value.trim()}”` : "";
  };
  const render = () => {
    const visible = columns.filter((column) => shown.has(column.key));
    const resort = (key, desc) => { Object.assign(view, { sort: key, desc }); changed(); };
    sortBy.replaceChildren(h("option", { value: "" }, "as answered"), ...visible.flatMap((column) => [
      h("option", { value: column.key }, `${column.heading} ↑`),
      h("option", { value: `-${column.key}` }, `${column.heading} ↓`)]));
    sortBy.value = view.sort && shown.has(view.sort) ? `${view.desc ? "-" : ""}${view.sort}` : "";
    holder.replaceChildren(region(caption.text, h("table", {}, h("caption", {}, caption.text),
      h("thead", {}, h("tr", {}, visible.map((column) => header(column, view, resort)))),
      h("tbody", {}, sortRows(answer.rows, view).map((record) => row(record, visible))))));
    applyFilter();
  };
  const changed = () => { render(); onChange(view); };

  filter.addEventListener("input", () => { view.filter = filter.value; applyFilter(); onChange(view); });
  sortBy.addEventListener("change", () => {
    Object.assign(view, { sort: sortBy.value.replace(/^-/, "") || null, desc: sortBy.value.startsWith("-") });
    changed();
  });
  const choices = columns.map((column) => h("label", { class: "column-choice" },
    h("input", { type: "checkbox", value: column.key, checked: shown.has(column.key), onchange: (event) => {
      if (event.target.checked) shown.add(column.key); else shown.delete(column.key);
      view.columns = columns.filter((c) => shown.has(c.key)).map((c) => c.key);
      changed();
    } }), ` ${column.heading}`));
  render();
  return h("div", { class: "answer-table" },
    h("div", { class: "table-controls" },
      h("div", { class: "control" }, h("label", { for: filter.id }, "Filter rows"), filter),
      h("div", { class: "control" }, h("label", { for: sortBy.id }, "Sort by"), sortBy),
      h("details", { class: "column-chooser" }, h("summary", {}, "Columns"),
        h("p", { class: "hint" }, "Identifiers (IRI) are written as the SPARQL editor reads them."),
        h("div", { class: "column-list" }, choices))),
    status, holder);
}
