// The question catalogue: a form per question built from its declared parameters, the answer as a table with
// its sources, and the same answer as CSV. Clinical questions come first; the readers behind the pathway
// analytics (tagged internal) are listed apart. The page's address holds the question asked, its parameters, the
// page of the answer and how its table is sorted, filtered and which columns it shows: reloading or sharing the
// address shows the same answer.
import { remember, viewFrom } from "./address.js";
import { answerTable } from "./answer-table.js";
import { config, failure, getJSON, h } from "./dom.js";

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

/** The same question's URL with one page setting changed (pages follow the question's own order); `null` drops it. */
function withParam(url, key, value) {
  const target = new URL(url, window.location.origin);
  if (value === null) target.searchParams.delete(key);
  else target.searchParams.set(key, value);
  return target.pathname + target.search;
}

/** The next page's URL: after the key the answer gives when it is ordered by patient (one query for that page's
 *  patients, however far in), else at the next offset (which costs the whole answer up to it). */
function nextPage(url, page) {
  if (page.next) return withParam(withParam(url, "offset", null), "after", page.next);
  return withParam(withParam(url, "after", null), "offset", page.next_offset);
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


// The order a clinician reads them in; any question not named here follows, in name order.
const CLINICAL_ORDER = ["salvage-options", "responses-to-therapy", "relapses-after-therapy",
  "antigen-status-at-relapse", "antigen-escapes", "therapy-warnings", "study-results", "indirectness-notes",
  "toxicities-by-therapy", "remission-durations", "transplant-details", "therapies-by-target", "search-statements",
  "patients", "patient-timeline", "therapy-sequence"];
const rank = (question) => (CLINICAL_ORDER.includes(question.name) ? CLINICAL_ORDER.indexOf(question.name)
  : CLINICAL_ORDER.length);

// `first`: how many rows came before this page (known from the offset, or counted by the pages walked by key);
// null for a page by key opened from an address, whose place in the answer is not known.
function showAnswer(question, url, answer, output, view, first = answer.page.offset) {
  const page = answer.page;
  const follows = page.next != null || page.next_offset != null;
  const shown = answer.rows.length;
  let count = `${shown} row${shown === 1 ? "" : "s"}`;
  if (first === null || first === undefined) count = `${count} of a later page${follows ? " (more follow)" : ""}`;
  else if (first || follows) count = `rows ${first + 1}–${first + shown}${follows ? " (more follow)" : ""}`;
  const known = first === null || first === undefined ? null : first + shown;
  const more = follows ? [h("button", {
    type: "button", class: "secondary",
    onclick: () => runQuestion(question, nextPage(url, page), output, view, known),
  }, "Next page")] : [];
  const caption = { id: question.name, text: `${question.title}: ${count}` };
  output.replaceChildren(
    h("p", { class: "status" }, count),
    ...(more.length ? [h("p", { class: "hint" }, "Sorting and filtering apply to the rows shown.")] : []),
    shown ? answerTable(answer, caption, view, (changed) => remember(question.name, url, changed))
      : h("p", {}, "No rows."),
    ...more,
    h("p", { class: "disclaimer small" }, h("strong", {}, "Evidence, not advice. "), answer.disclaimer));
  remember(question.name, url, view);
}

async function runQuestion(question, url, output, view = viewFrom(new URLSearchParams()), first) {
  output.replaceChildren(h("p", { class: "status" }, "Running…"));
  try {
    const answer = await getJSON(url);
    showAnswer(question, url, answer, output, view, first === undefined ? answer.page.offset : first);
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
  const card = h("details", { class: "question", id: `question-${question.name}` },
    h("summary", {}, h("span", { class: "question-title" }, question.title),
      h("span", { class: "tags" }, question.tags.filter((tag) => tag !== "internal").join(" · "))),
    h("p", { class: "description" }, question.description),
    form, output);
  card.ask = (address) => restore(question, form, output, address);
  return card;
}

/** Ask again what the address says was asked: the form filled in as it was, the same page, the same view. */
function restore(question, form, output, address) {
  for (const param of question.parameters) {
    const control = form.elements[param.name];
    const value = address.get(param.name);
    if (!control || value === null) continue;
    // A name the picker does not list ("CAR-T", or a typo) is asked as given: the server matches labels, and
    // answers a value it refuses with the nearest accepted names.
    if (control.tagName === "SELECT" && ![...control.options].some((option) => option.value === value)) {
      control.append(h("option", { value }, value));
    }
    control.value = value;
  }
  const offset = Number.parseInt(address.get("offset") || "0", 10);
  let url = urlFor(question, form);
  if (address.get("after")) url = withParam(url, "after", address.get("after"));
  else if (offset > 0) url = withParam(url, "offset", offset);
  runQuestion(question, url, output, viewFrom(address));
}

export async function showQuestions(container) {
  try {
    const questions = (await getJSON("/questions")).sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    const internal = questions.filter((question) => question.tags.includes("internal"));
    const readers = h("details", { class: "internal-questions", id: "internal-questions" },
      h("summary", {}, "Readers behind the pathway analytics (for developers)"),
      h("p", {}, "The rows the Sankey and the swimmer plots are built from, one per step, state or interval."),
      internal.map(questionCard));
    container.replaceChildren(...questions.filter((question) => !internal.includes(question)).map(questionCard),
      ...(internal.length ? [readers] : []));
    const address = new URLSearchParams(location.search);
    const asked = address.get("question") && document.getElementById(`question-${address.get("question")}`);
    if (asked?.ask) {
      if (readers.contains(asked)) readers.open = true;
      asked.open = true;
      asked.ask(address);
      asked.scrollIntoView();
    }
  } catch (error) {
    container.replaceChildren(failure(error));
  }
}
