// Patients: a summary, the swimmer plot and every event of the timeline with the passage it rests on.
import { duration, failure, getJSON, getPage, h } from "./dom.js";

function source(src) {
  return h("p", { class: "source" },
    h("cite", {}, src.citation),
    src.locator ? ` (${src.locator})` : null,
    src.doi ? [" ", h("a", { href: `https://doi.org/${src.doi}`, rel: "noreferrer" }, `doi:${src.doi}`)] : null);
}

function summary(patient) {
  const facts = [
    ["Sex", patient.sex],
    ["Disease", patient.disease],
    ["Age at diagnosis", duration(patient.age_at_diagnosis)],
    ["Findings at diagnosis", patient.findings_at_diagnosis.join("; ")],
    ["Relapses", String(patient.relapses)],
    ["Transplants", String(patient.transplants)],
    ["Last known state", patient.last_known_state],
    ["Evidence level", patient.evidence_level],
  ].filter(([, value]) => value);
  return h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** Where an event's statement comes from: the passage, and the report too when it is not the patient's own. */
function passage(src, report) {
  if (src.citation !== report.citation) return source(src);
  return h("p", { class: "source" }, `Source: ${src.locator || "the report above"}`);
}

function event(item, report) {
  const when = [item.age ? `age ${duration(item.age)}` : null, ...item.timing.map(duration)]
    .filter(Boolean).join("; ");
  return h("li", {},
    h("p", { class: "event-head" }, h("span", { class: "event-type" }, item.type), " ", item.label,
      when ? h("span", { class: "when" }, ` · ${when}`) : null),
    h("blockquote", {}, item.statement),
    passage(item.source, report));
}

async function events(patient, details) {
  const timeline = await getJSON(`/patients/${encodeURIComponent(patient.id)}/timeline`);
  details.append(h("ol", { class: "events" }, timeline.events.map((item) => event(item, patient.source))));
}

const MARKS = { match: "=", "match where both state": "≈", differs: "≠" }; // else: in one course only

/** Which asked steps this patient's course matched, which differ, and which only one course has. */
function alignment(hit, asked) {
  return h("div", { class: "plot-scroll", tabindex: "0", role: "region", "aria-label": `Alignment with ${hit.patient}` },
    h("table", { class: "alignment" },
      h("thead", {}, h("tr", {}, h("th", {}, asked), h("th", {}, ""), h("th", {}, hit.patient))),
      h("tbody", {}, hit.alignment.map((step) => h("tr", { title: step.what },
        h("td", {}, step.asked ?? "–"), h("td", {}, MARKS[step.what] ?? " "), h("td", {}, step.patient_event ?? "–"))))));
}

/** Patients like this one: the nearest courses, each with which steps matched and what happened next. */
function similar(patient) {
  const shown = h("div", { class: "similar" });
  const ask = h("button", { type: "button", class: "secondary" }, "Patients like this one");
  ask.addEventListener("click", () => {
    ask.disabled = true;
    getJSON(`/patients/${encodeURIComponent(patient.id)}/similar?k=5`).then((answer) => shown.append(
      h("ol", { class: "events" }, answer.hits.map((hit) => h("li", {},
        h("p", { class: "event-head" }, h("span", { class: "event-type" }, hit.patient),
          ` · alignment cost ${hit.distance} · evidence ${hit.evidence_level}`),
        alignment(hit, patient.id),
        h("p", {}, `Then: ${hit.next.map((item) => item.event).join("; ") || "nothing further reported"}`),
        passage((hit.alignment.find((step) => step.source) ?? hit.next[0] ?? {}).source ?? patient.source,
          patient.source)))),
      h("p", { class: "source" }, answer.disclaimer)))
      .catch((error) => shown.append(failure(error)));
  });
  return h("div", { class: "similar-patients" }, h("div", { class: "actions" }, ask), shown);
}

function card(patient) {
  const plot = `/patients/${encodeURIComponent(patient.id)}/timeline.svg`;
  const details = h("details", { class: "timeline" });
  details.append(h("summary", {}, "Events with their sources"));
  events(patient, details).catch((error) => details.append(failure(error)));
  return h("article", { class: "patient", id: `patient-${patient.id}`, "aria-labelledby": `patient-${patient.id}-name` },
    h("h3", { id: `patient-${patient.id}-name` }, patient.label),
    source(patient.source),
    summary(patient),
    h("figure", { class: "swimmer" },
      h("div", { class: "plot-scroll", tabindex: "0", role: "region", "aria-label": `Swimmer plot of ${patient.label}` },
        h("img", { src: plot, alt: `Swimmer plot of ${patient.label}: therapies in order with remissions, relapses `
          + "(and antigen status), MRD rises and transplants; the events below give the same in text." })),
      h("figcaption", {}, h("a", { href: plot }, "Swimmer plot (SVG)"), " · ",
        h("a", { href: `/patients/${encodeURIComponent(patient.id)}/phenopacket` }, "Phenopacket (JSON)"))),
    details,
    similar(patient));
}

const PER_PAGE = 20; // each card loads a plot and a timeline: a cohort is shown a few patients at a time

/** Append one page of patient cards, then a button for the next page when there is one. */
async function showPage(container, url) {
  try {
    const { body: patients, next } = await getPage(url);
    container.querySelector(".loading")?.remove();
    container.append(...patients.map(card));
    if (next) {
      const more = h("button", { type: "button", class: "secondary" }, "More patients");
      const actions = h("div", { class: "actions" }, more);
      more.addEventListener("click", () => {
        more.disabled = true;
        more.textContent = "Loading…";
        showPage(container, next).then(() => actions.remove());
      });
      container.append(actions);
    }
  } catch (error) {
    container.querySelector(".loading")?.remove();
    container.append(failure(error));
  }
}

export function showPatients(container) {
  return showPage(container, `/patients?limit=${PER_PAGE}`);
}
