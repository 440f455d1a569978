// The page's entry point: fills each section from the JSON routes.
import { showEditor } from "./editor.js";
import { showPatients } from "./patients.js";
import { showQuestions } from "./questions.js";
import { showSalvage } from "./salvage.js";

function sankey() {
  const form = document.getElementById("sankey-form");
  const frame = document.getElementById("sankey");
  // Same origin, so the frame can take the height of the diagram and its table: one scroll bar, the page's.
  const fit = () => {
    const height = frame.contentDocument?.documentElement.scrollHeight;
    if (height) frame.style.height = `${height + 4}px`;
  };
  frame.addEventListener("load", fit);
  if (frame.contentDocument?.readyState === "complete") fit();
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const url = `/pathways/sankey?mode=${encodeURIComponent(form.elements.mode.value)}`;
    frame.src = url;
    document.getElementById("sankey-link").href = url;
    document.getElementById("pathways-json").href = url.replace("/sankey", "");
  });
}

showSalvage(document.getElementById("salvage-options"));
sankey();
showEditor(document.getElementById("editor"));
showPatients(document.getElementById("patient-list"));
showQuestions(document.getElementById("question-list"));
