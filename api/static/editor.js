// The SPARQL editor: YASGUI (vendored at install) starting with a short example, or a plain text box
// doing the same through the SPARQL 1.1 protocol when YASGUI is not there.
import { config, EDITOR_PREFIXES, failure, h } from "./dom.js";
import { table } from "./table.js";

const ENDPOINT = new URL("/sparql", window.location.href).href;

// Short, and what it says: one row per relapse and antigen (a finding at diagnosis is not a relapse). Only the
// prefixes it uses are declared; the answers on the page write identifiers in those prefixes or as full <IRI>s,
// so any of them pastes into it.
const EXAMPLE = `# Each relapse with the stated status of each antigen (Ctrl+Enter runs the query)
SELECT ?relapse ?relapse_label ?antigen ?status WHERE {
  ?relapse a sk:Relapse ;
           rdfs:label ?relapse_label .
  ?finding sk:findingAt ?relapse ;
           sk:antigen ?antigen ;
           sk:expressionStatus ?status .
}
ORDER BY ?relapse ?antigen
`;

export function startingQuery() {
  const lines = EDITOR_PREFIXES.map((prefix) => `PREFIX ${`${prefix}:`.padEnd(6)}<${config.prefixes[prefix]}>`);
  return `${lines.join("\n")}\n\n${EXAMPLE}`;
}

/** CodeMirror's input has no label of its own; give every editor's one, now and in tabs opened later. */
function labelEditors(container) {
  for (const input of container.querySelectorAll(".CodeMirror textarea:not([aria-label])")) {
    input.setAttribute("aria-label", "SPARQL query (Ctrl+Enter runs it, Tab leaves the editor)");
  }
}

function yasgui(container) {
  container.classList.add("yasgui-host");
  new MutationObserver(() => labelEditors(container)).observe(container, { childList: true, subtree: true });
  return new window.Yasgui(container, {
    requestConfig: { endpoint: ENDPOINT, method: "POST" },
    // One endpoint only: no catalogue of public endpoints, nothing remembered from another server or port.
    endpointCatalogueOptions: { getData: () => [{ endpoint: ENDPOINT }], keys: [] },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    // Completion of property and class names asks a remote vocabulary service, so only the local completers run;
    // prefixCcApi stays null so prefixes complete from YASQE's bundled list.
    // Tab and Shift+Tab leave the editor, as everywhere else on the page, instead of indenting: no keyboard trap.
    yasqe: { value: startingQuery(), autocompleters: ["prefixes", "variables"], prefixCcApi: null,
      persistenceId: null, editorHeight: "360px", extraKeys: { Tab: false, "Shift-Tab": false } },
    yasr: { persistenceId: null },
  });
}

/** Results of the SPARQL JSON format as rows of plain values. */
function solutions(json) {
  const columns = json.head.vars;
  const rows = json.results.bindings.map((binding) =>
    Object.fromEntries(columns.map((column) => [column, binding[column]?.value ?? null])));
  return { columns, rows };
}

async function runPlain(query, output) {
  output.replaceChildren(h("p", { class: "status" }, "Running…"));
  const response = await fetch("/sparql", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded",
      Accept: "application/sparql-results+json, text/turtle;q=0.9" },
    body: new URLSearchParams({ query }),
  });
  const type = response.headers.get("content-type") || "";
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new Error(body?.message || `${response.status} ${response.statusText}`);
  }
  if (!type.includes("json")) {
    output.replaceChildren(h("pre", { class: "graph-result" }, await response.text()));
    return;
  }
  const json = await response.json();
  if ("boolean" in json) {
    output.replaceChildren(h("p", { class: "status" }, `Answer: ${json.boolean}`));
    return;
  }
  const { columns, rows } = solutions(json);
  const count = `${rows.length} result${rows.length === 1 ? "" : "s"}`;
  output.replaceChildren(h("p", { class: "status" }, count), table(columns, rows, `Query results: ${count}`));
}

function plain(container) {
  const output = h("div", { class: "answer", "aria-live": "polite" });
  const text = h("textarea", { id: "sparql-query", name: "query", rows: "18", spellcheck: "false",
    "aria-describedby": "sparql-hint" }, startingQuery());
  const form = h("form", { class: "plain-editor" },
    h("label", { for: "sparql-query" }, "SPARQL query"),
    text,
    h("p", { class: "hint", id: "sparql-hint" }, "Ctrl+Enter runs the query."),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Run query")));
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    runPlain(text.value, output).catch((error) => output.replaceChildren(failure(error)));
  });
  text.addEventListener("keydown", (key) => {
    if (key.key === "Enter" && (key.ctrlKey || key.metaKey)) form.requestSubmit();
  });
  container.replaceChildren(form, output);
}

export function showEditor(container) {
  if (config.editor === "yasgui" && window.Yasgui) {
    yasgui(container);
    return;
  }
  if (config.yasguiMissing) {
    container.before(h("p", { class: "notice" }, "This is the plain editor: the full one (YASGUI, with syntax "
      + "highlighting) is vendored when the package is installed with npm available, which it was not. Install "
      + "Node.js with npm and run the install again."));
  }
  plain(container);
}
