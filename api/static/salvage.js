// The page's lead: pick the lost and still-expressed antigens, the prior therapies and the age group; read the
// ranked options (trial and case evidence apart, each with its citation), what to avoid, and the disclaimer.
// Everything comes from /salvage-options, the same answer as kg.salvage_options and `salvage-kg salvage-options`.
import { config, failure, getJSON, h } from "./dom.js";

const DEFAULTS = { lost_antigen: "CD19", expressed: "CD22", prior: ["CAR-T cell product"], age_group: "children" };

const choicesOf = (range) => config.choices[range] || [];
const byLabel = (range, label) => choicesOf(range).find((choice) => choice.label.toLowerCase() === label.toLowerCase());

function option(choice, selected) {
  return h("option", { value: choice.value, selected: selected || null }, choice.label);
}

function select(id, name, range, { empty = null, chosen = [], multiple = false } = {}) {
  const wanted = new Set(chosen.map((label) => byLabel(range, label)?.value).filter(Boolean));
  const choices = choicesOf(range).filter((choice) => choice.label !== "not reported");
  const items = choices.map((choice) => option(choice, wanted.has(choice.value)));
  const kinds = choices.filter((choice) => choice.kind);
  const grouped = multiple && kinds.length && kinds.length < choices.length
    ? [h("optgroup", { label: "Kinds" }, items.filter((_, index) => choices[index].kind)),
      h("optgroup", { label: "Single therapies" }, items.filter((_, index) => !choices[index].kind))]
    : items;
  return h("select", { id, name, multiple, size: multiple ? 5 : null },
    empty ? h("option", { value: "" }, empty) : null, grouped);
}

function field(id, text, control, hint) {
  return h("div", { class: "field" }, h("label", { for: id }, text), control,
    hint ? h("p", { class: "hint" }, hint) : null);
}

function doi(source) {
  if (source?.doi) return h("a", { href: `https://doi.org/${source.doi}`, rel: "noreferrer" }, `doi:${source.doi}`);
  if (source?.pmid) {
    return h("a", { href: `https://pubmed.ncbi.nlm.nih.gov/${source.pmid}/`, rel: "noreferrer" }, `PMID ${source.pmid}`);
  }
  return null;
}

function cite(source, level) {
  return h("p", { class: "source" },
    level ? h("span", { class: "level", title: "CIViC evidence level" }, `Level ${level}`) : null, " ",
    h("cite", { title: source.citation || null }, source.citation || "source not stated"),
    source.locator ? ` (${source.locator})` : null, doi(source) ? [" ", doi(source)] : null);
}

/** One study: who it admitted and how that differs from the question (once), then each of its figures. */
function study(results) {
  const [first] = results;
  const notes = new Map();
  for (const note of results.flatMap((result) => result.indirectness)) {
    const seen = notes.get(note.note);
    notes.set(note.note, { ...note, applies: note.applies || Boolean(seen?.applies) });
  }
  const applies = [...notes.values()].filter((note) => note.applies);
  const others = [...notes.values()].filter((note) => !note.applies);
  const population = [first.design, first.phase ? `phase ${first.phase}` : null, first.age_group, first.setting]
    .filter(Boolean).join(" · ");
  return h("li", { class: "study" },
    h("p", { class: "study-head" }, h("strong", {}, first.study),
      first.registry_id ? ` (${first.registry_id})` : null, ` — ${first.therapy}`),
    population ? h("p", { class: "population" }, `Population: ${population}`) : null,
    applies.length ? h("ul", { class: "indirect", "aria-label": "How this study differs from the question" },
      applies.map((note) => h("li", {}, h("strong", {}, `${note.dimension}: `), note.note))) : null,
    others.length ? h("p", { class: "hint" }, `Also noted, not applying here: ${others.map((n) => n.note).join("; ")}`)
      : null,
    h("ul", { class: "plain figures" }, results.map((result) => h("li", {},
      h("p", { class: "figure" }, result.figure),
      cite(result.source, result.evidence_level)))));
}

/** Study results grouped by study, in the order the answer gives them. */
function studies(results) {
  const groups = new Map();
  for (const result of results) {
    if (!groups.has(result.study)) groups.set(result.study, []);
    groups.get(result.study).push(result);
  }
  return [...groups.values()];
}

function caseEvidence(item) {
  return h("li", { class: "case" },
    h("p", {}, h("strong", {}, item.patient), `: ${item.administration}`,
      item.setting ? ` (${item.setting === "not reported" ? "setting not reported" : item.setting})` : null, " → ",
      h("span", { class: "response" }, item.response)),
    cite(item.source, item.evidence_level));
}

function group(title, items, render, empty) {
  return h("div", { class: "evidence-group" }, h("h4", {}, title),
    items.length ? h("ul", { class: "plain evidence-list" }, items.map(render)) : h("p", { class: "hint" }, empty));
}

function optionCard(item) {
  const therapy = item.therapy;
  return h("article", { class: "option-card", id: `option-${item.rank}`, "aria-labelledby": `option-${item.rank}-name` },
    h("h3", { id: `option-${item.rank}-name` }, h("span", { class: "rank" }, `${item.rank}.`), " ", therapy.label),
    h("p", { class: "chips" }, h("span", { class: "chip" }, therapy.modality || "therapy"),
      therapy.targets.map((target) => h("span", { class: "chip target" }, `targets ${target}`)),
      h("span", { class: "chip design" }, item.best_design)),
    h("p", { class: "reason" }, item.reason),
    h("div", { class: "evidence-groups" },
      group("Trial evidence (level B)", studies(item.study_results), study, "No published study result in the graph."),
      group("Case evidence (level C)", item.evidence, caseEvidence,
        "No published case given it after such a relapse.")));
}

/** What a warned therapy is also aimed at, when that is an antigen the relapse still expresses (from its reason). */
const alsoAimed = (item) => item.reason.split("; ").find((part) => part.startsWith("it also targets"));

/** Warnings of one level about one antigen, together: the therapies, why, and each finding once with its source. */
function warningGroup(items) {
  const [first] = items;
  const seen = new Set();
  const findings = items.flatMap((item) => item.findings).filter((finding) => {
    const key = `${finding.patient}|${finding.disease_state}|${finding.source.locator}`;
    return seen.has(key) ? false : seen.add(key);
  });
  const why = first.level === "avoid"
    ? `Aimed at ${first.antigen}, which this relapse no longer expresses (rule aimed-at-lost-antigen).`
    : first.reason;
  return h("li", { class: `warning level-${first.level.replace(" ", "-")}` },
    h("p", {}, h("span", { class: "badge" }, first.level), " ", h("strong", {}, first.antigen)),
    h("ul", { class: "plain therapies" }, items.map((item) => h("li", {}, h("strong", {}, item.therapy.label),
      ` (${item.therapy.modality}; targets ${item.therapy.targets.join(", ")})`,
      alsoAimed(item) ? h("span", { class: "hint" }, ` — ${alsoAimed(item)}`) : null))),
    h("p", { class: "reason" }, why),
    findings.length ? h("ul", { class: "plain findings", "aria-label": "Findings the warning rests on" },
      findings.map((finding) => h("li", {},
        h("p", {}, `${finding.patient}, ${finding.disease_state}: ${first.antigen} ${finding.status}`,
          finding.statement ? ` — ${finding.statement}` : null),
        cite(finding.source, finding.evidence_level)))) : null);
}

/** Group warnings by level and antigen (test-first ones by therapy too: each says what to test for it). */
function warningGroups(items) {
  const groups = new Map();
  for (const item of items) {
    const key = item.level === "avoid" ? `${item.level}|${item.antigen}` : `${item.level}|${item.antigen}|${item.therapy.id}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  return [...groups.values()].map(warningGroup);
}

function showAnswer(answer, output) {
  const asked = answer.query;
  const summary = [`lost ${asked.lost_antigen}`, asked.expressed ? `still ${asked.expressed}` : null,
    asked.prior.length ? `prior ${asked.prior.join(", ")}` : null, asked.age_group].filter(Boolean).join(" · ");
  const avoid = answer.avoid.filter((item) => item.level === "avoid");
  const other = answer.avoid.filter((item) => item.level !== "avoid");
  output.replaceChildren(
    h("p", { class: "status" }, `${answer.options.length} options for: ${summary}`),
    h("p", { class: "ranking" }, answer.ranking),
    h("div", { class: "answer-columns" },
      h("div", { class: "options" }, h("h3", { class: "group-title" }, "Options, ranked"),
        answer.options.map(optionCard)),
      h("aside", { class: "avoid", "aria-labelledby": "avoid-title" },
        h("h3", { id: "avoid-title", class: "group-title" }, "Avoid"),
        avoid.length ? h("ul", { class: "plain" }, warningGroups(avoid)) : h("p", {}, "Nothing to avoid."),
        other.length ? [h("h3", { class: "group-title" }, "Caution / test first"),
          h("ul", { class: "plain" }, warningGroups(other))] : null)),
    disclaimer(answer.disclaimer));
}

/** The answer's own disclaimer, its lead words in bold (it starts "Evidence, not advice"). */
function disclaimer(text) {
  const lead = "Evidence, not advice";
  return h("p", { class: "disclaimer", role: "note" }, text.startsWith(lead)
    ? [h("strong", {}, lead), text.slice(lead.length)] : [h("strong", {}, `${lead}. `), text]);
}

function urlFor(form) {
  const params = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (String(value).trim() !== "") params.append(key, value);
  return `/salvage-options?${params}`;
}

async function run(form, output) {
  output.setAttribute("aria-busy", "true");
  try {
    showAnswer(await getJSON(urlFor(form)), output);
  } catch (error) {
    output.replaceChildren(failure(error));
  } finally {
    output.removeAttribute("aria-busy");
  }
}

export function showSalvage(container) {
  const output = h("div", { class: "salvage-answer", "aria-live": "polite" }, h("p", { class: "loading" }, "Loading…"));
  const form = h("form", { class: "salvage-form", "aria-label": "Salvage question" },
    field("s-lost", "Lost antigen", select("s-lost", "lost_antigen", "sk:Antigen", { chosen: [DEFAULTS.lost_antigen] }),
      "The antigen the relapsed blasts no longer express"),
    field("s-expressed", "Still expressed", select("s-expressed", "expressed", "sk:Antigen",
      { empty: "not known", chosen: [DEFAULTS.expressed] }), "An antigen the blasts still carry"),
    field("s-prior", "Prior therapies", select("s-prior", "prior", "sk:TherapyAgent",
      { chosen: DEFAULTS.prior, multiple: true }), "Ctrl/⌘-click for several"),
    field("s-age", "Age group", select("s-age", "age_group", "sk:AgeGroup",
      { empty: "any", chosen: [DEFAULTS.age_group] })),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Show options")));
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    run(form, output);
  });
  container.replaceChildren(form, output);
  return run(form, output);
}
