// The pathway Sankey: drawn by the server to the width of its frame (its text never under 11 px: a narrow screen
// scrolls it sideways), with its options as a form, and the patients of a band listed when the band is clicked.
import { failure, getJSON, h } from "./dom.js";

function options(form, frame) {
  const asked = new URLSearchParams({ mode: form.elements.mode.value, min_count: form.elements.min_count.value || "1" });
  return { asked, width: Math.round(frame.clientWidth) };
}

/** The patients one band counts, each linked to their card on this page and to their swimmer plot. */
async function listBand(band, asked, list) {
  const { source, target } = band.dataset;
  list.replaceChildren(h("p", { class: "status" }, `Patients from ${source} to ${target}…`));
  try {
    const answer = await getJSON(`/pathways/band?${new URLSearchParams({ ...Object.fromEntries(asked), source, target })}`);
    const id = (patient) => encodeURIComponent(patient);
    list.replaceChildren(
      h("h3", {}, `${answer.patients.length} patient${answer.patients.length === 1 ? "" : "s"}: ${source} → ${target}`),
      h("ul", { class: "band-patients" }, answer.patients.map((patient) => h("li", {},
        document.getElementById(`patient-${patient}`) ? h("a", { href: `#patient-${patient}` }, patient) : patient,
        " · ", h("a", { href: `/patients/${id(patient)}/timeline.svg` }, "swimmer plot")))));
  } catch (error) {
    list.replaceChildren(failure(error));
  }
}

const RETRY_MS = 3000;

export function showSankey(form, frame, list) {
  let asked = options(form, frame).asked;
  // Same origin, so the frame can take the height of the diagram and its table (one scroll bar, the page's), and
  // its bands can answer a click.
  const ready = () => {
    const inside = frame.contentDocument;
    if (!inside?.documentElement) return;
    // A large cohort's pathways take a while to read after a start or a write: the server says so (503,
    // pathways_not_ready) and the diagram is asked for again a few seconds later.
    if (!inside.querySelector("svg") && inside.body?.textContent.includes("pathways_not_ready")) {
      list.replaceChildren(h("p", { class: "status" }, "The pathways are being read; the diagram follows shortly."));
      setTimeout(show, RETRY_MS);
      return;
    }
    frame.style.height = `${inside.documentElement.scrollHeight + 4}px`;
    for (const band of inside.querySelectorAll("path.band")) {
      band.style.cursor = "pointer";
      band.addEventListener("click", () => listBand(band, asked, list));
    }
  };
  const show = () => {
    const chosen = options(form, frame);
    asked = chosen.asked;
    const url = `/pathways/sankey?${asked}&width=${chosen.width}`;
    frame.src = url;
    list.replaceChildren();
    document.getElementById("sankey-link").href = `/pathways/sankey?${asked}`;
    document.getElementById("pathways-json").href = `/pathways?${asked}`;
  };
  frame.addEventListener("load", ready);
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    show();
  });
  show();
}
