// The page's entry point: fills each section from the JSON routes.
import { showEditor } from "./editor.js";
import { showPatients } from "./patients.js";
import { showQuestions } from "./questions.js";

function sankey() {
  const form = document.getElementById("sankey-form");
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const url = `/pathways/sankey?mode=${encodeURIComponent(form.elements.mode.value)}`;
    document.getElementById("sankey").src = url;
    document.getElementById("sankey-link").href = url;
    document.getElementById("pathways-json").href = url.replace("/sankey", "");
  });
}

sankey();
showEditor(document.getElementById("editor"));
showPatients(document.getElementById("patient-list"));
showQuestions(document.getElementById("question-list"));
