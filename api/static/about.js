// About this dataset (/about): version, build time, what the graph holds, licence and how to cite. When the graph
// holds generated patients, the page says so at its top, beside the disclaimer.
import { failure, getJSON, h } from "./dom.js";

const COUNTS = [["sources", "Sources"], ["case_reports", "Published case reports"], ["patients", "Patients"],
  ["synthetic_patients", "Synthetic patients"], ["statements", "Stated facts"],
  ["derived_statements", "Derived facts"], ["triples", "Triples"]];

function facts(about) {
  const built = new Date(about.built_at);
  const rows = [
    ["Version", about.version],
    ["Built", Number.isNaN(built.getTime()) ? about.built_at : `${built.toISOString().slice(0, 16).replace("T", " ")} UTC`],
    ...COUNTS.filter(([key]) => key in about.counts).map(([key, words]) => [words, about.counts[key].toLocaleString("en")]),
    ["Licence", h("a", { href: about.licence_url, rel: "noreferrer" }, about.licence)],
    ["How to cite", about.how_to_cite],
    ["Described for catalogues", h("a", { href: about.void }, "VoID (Turtle)")],
  ];
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

export async function showAbout(container, banner) {
  try {
    const about = await getJSON("/about");
    container.replaceChildren(h("p", {}, about.title), facts(about));
    if (about.synthetic) {
      banner.replaceChildren(h("strong", {}, "Synthetic patients. "), `${about.counts.synthetic_patients
        .toLocaleString("en")} of the ${about.counts.patients.toLocaleString("en")} patients in this graph are `
        + "generated, not real people: answers about them are marked synthetic and are never evidence.");
      banner.hidden = false;
    }
  } catch (error) {
    container.replaceChildren(failure(error));
  }
}
