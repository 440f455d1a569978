// The page's entry point: fills each section from the JSON routes.
import { showAbout } from "./about.js";
import { showEditor } from "./editor.js";
import { showPatients } from "./patients.js";
import { showQuestions } from "./questions.js";
import { showSalvage } from "./salvage.js";
import { showSankey } from "./sankey.js";

showSalvage(document.getElementById("salvage-options"));
showSankey(document.getElementById("sankey-form"), document.getElementById("sankey"),
  document.getElementById("sankey-band"));
showEditor(document.getElementById("editor"));
showPatients(document.getElementById("patient-list"));
showQuestions(document.getElementById("question-list"));
showAbout(document.getElementById("about-body"), document.getElementById("synthetic-banner"));
