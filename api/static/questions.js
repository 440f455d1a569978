// The question catalogue: a form per question built from its declared parameters, the answer as a table with
// its sources, and the same answer as CSV.
import { config, failure, getJSON, h, showList } from "./dom.js";
import { table } from "./table.js";

const label = (name) => name.replaceAll("_", " ");

/** The choice an example names ("CD19", "pbc-2021"), matched as the server would: label or local name. */
function exampleChoice(choices, example) {
  const wanted = (example || "").toLowerCase();
  return choices.find((choice) => choice.label.toLowerCase() === wanted
    || choice.value.split(":").pop().toLowerCase() === wanted);
}

function selectFor(param, id, choices) {
  const options = [];
  if (!param.required) options.push(h("option", { value: "" }, "any"));
  const kinds = choices.filter((choice) => choice.kind);
  const members = choices.filter((choice) => !choice.kind);
  const option = (choice) => h("option", { value: choice.value }, choice.label);
  // A kind (say, CAR-T) selects everything of that kind; grouping says so without words in every option.
  if (kinds.length && members.length) {
    options.push(h("optgroup", { label: "Kinds (include every member)" }, kinds.map(option)),
      h("optgroup", { label: "Single items" }, members.map(option)));
  } else {
    options.push(...choices.map(option));
  }
  const select = h("select", { id, name: param.name, required: param.required }, options);
  if (param.required) select.value = exampleChoice(choices, param.example)?.value ?? choices[0]?.value ?? "";
  return select;
}

function inputFor(param, id) {
  const numeric = param.type === "integer" || param.type === "decimal";
  return h("input", {
    id, name: param.name, required: param.required,
    type: numeric ? "number" : "text", step: param.type === "decimal" ? "any" : null,
    value: param.required ? param.example : null, placeholder: `e.g. ${param.example}`, autocomplete: "off",
  });
}

function field(question, param) {
  const id = `q-${question.name}-${param.name}`;
  const choices = param.accepts ? config.choices[param.accepts] || [] : [];
  const control = choices.length ? selectFor(param, id, choices) : inputFor(param, id);
  control.setAttribute("aria-describedby", `${id}-hint`);
  return h("div", { class: "field" },
    h("label", { for: id }, label(param.name),
      param.required ? h("span", { class: "required" }, " (required)") : h("span", { class: "optional" }, " (optional)")),
    control,
    h("p", { class: "hint", id: `${id}-hint` }, param.description));
}

/** The question's own route with the filled-in parameters; empty optional ones are left out. */
function urlFor(question, form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (String(value).trim() !== "") params.append(key, value);
  const query = params.toString();
  return query ? `${question.path}?${query}` : question.path;
}

/** The same question's URL with one page setting changed (pages follow the question's own order). */
function withParam(url, key, value) {
  const target = new URL(url, window.location.origin);
  target.searchParams.set(key, value);
  return target.pathname + target.search;
}

const CSV_ROWS = 10000; // the API's largest page

async function downloadCsv(url, name, status) {
  const response = await fetch(withParam(url, "limit", CSV_ROWS), { headers: { Accept: "text/csv" } });
  if (!response.ok) {
    status.replaceChildren(failure(new Error((await response.json().catch(() => null))?.message || response.statusText)));
    return;
  }
  if (response.headers.get("Link")) {
    status.append(h("p", { class: "status" },
      `The CSV holds the first ${CSV_ROWS.toLocaleString()} rows; the API gives the rest with offset=${CSV_ROWS}.`));
  }
  const link = h("a", { href: URL.createObjectURL(await response.blob()), download: `${name}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}


function showAnswer(question, url, answer, output) {
  const { offset, next_offset: next } = answer.page;
  const shown = answer.rows.length;
  const count = offset || next !== null
    ? `rows ${offset + 1}–${offset + shown}${next !== null ? " (more follow)" : ""}`
    : `${shown} row${shown === 1 ? "" : "s"}`;
  const more = next === null ? [] : [h("button", {
    type: "button", class: "secondary",
    onclick: () => runQuestion(question, withParam(url, "offset", next), output),
  }, "Next page")];
  output.replaceChildren(
    h("p", { class: "status" }, count),
    shown ? table(answer.columns, answer.rows, `${question.title}: ${count}`) : h("p", {}, "No rows."),
    ...more,
    h("p", { class: "disclaimer small" }, h("strong", {}, "Evidence, not advice. "), answer.disclaimer));
}

async function runQuestion(question, url, output) {
  output.replaceChildren(h("p", { class: "status" }, "Running…"));
  try {
    showAnswer(question, url, await getJSON(url), output);
  } catch (error) {
    output.replaceChildren(failure(error));
  }
}

function questionCard(question) {
  const output = h("div", { class: "answer", "aria-live": "polite" });
  const form = h("form", { class: "question-form", "aria-label": question.title });
  const csv = h("button", { type: "button", class: "secondary" }, "Download CSV");
  form.append(
    ...question.parameters.map((param) => field(question, param)),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Run"), csv));
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    runQuestion(question, urlFor(question, form), output);
  });
  csv.addEventListener("click", () => {
    if (form.reportValidity()) downloadCsv(urlFor(question, form), question.name, output);
  });
  return h("details", { class: "question", id: `question-${question.name}` },
    h("summary", {}, h("span", { class: "question-title" }, question.title),
      h("span", { class: "tags" }, question.tags.join(" · "))),
    h("p", { class: "description" }, question.description),
    form, output);
}

export function showQuestions(container) {
  return showList(container, "/questions", questionCard);
}
