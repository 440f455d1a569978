"""Pathways: the two cases step by step as their reports tell them; the merged graph's counts checked against
hand-written SPARQL on a synthetic cohort; the options, the questions, the exports and the pictures."""

import io
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import jsonschema
import networkx as nx
import pytest

from kg.clinical.pathways import Cohort, Options, cytoscape, node_link, write_graphml
from kg.clinical.pathways.graphs import patient_graph
from kg.clinical.pathways.swimmer import swimmer_svg
from kg.knowledge_graph import KnowledgeGraph
from kg.questions.answers import to_python
from kg.questions.parameters import ParameterError
from kg.tools import synth

EXE = shutil.which("salvage-kg", path=str(Path(sys.executable).parent)) or "salvage-kg"
PREFIXES = """
PREFIX sk:   <https://w3id.org/salvage-kg/ontology#>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
RASCON_CITATION = "Rascon J, Vaitkevičienė G, Rutkauskaitė V, Büchner J."
PBC_DOI = "10.1002/pbc.28980"


def steps(pathway):
    return [(step.therapy, step.courses or step.course_number, step.response,
             step.state.short if step.state else None, step.time_to_state) for step in pathway.steps]


# --- the two cases, as their reports tell them ------------------------------------------------------------------

def test_rascon_pathway_follows_the_case_report_step_by_step(cohort):
    assert steps(cohort["rascon-2022"]) == [
        ("NOPHO ALL-2008 protocol", None, "complete remission", "CR1 MRD-negative", None),
        ("high-risk chemotherapy course", 2, "no remission (refractory / no effect)", "refractory", None),
        ("blinatumomab", None, "complete remission", "CR2 MRD-negative", None),
        ("matched sibling allogeneic HSCT", None, "relapse followed", "relapse 2", "P11M"),
        ("tisagenlecleucel", 1, "complete remission", "CR3 MRD-negative", None),
        ("tisagenlecleucel", 2, "no remission (refractory / no effect)", "relapse 3", "P1M"),
        ("blinatumomab", 2, "complete remission", "CR4 MRD-negative", None),
        ("matched sibling allogeneic HSCT", None, "rising MRD followed", "rising MRD", "P6M"),
    ]
    pathway = cohort["rascon-2022"]
    assert [step.transplant for step in pathway.steps] == [False, False, False, True, False, False, False, True]
    # what happened after each state before the next therapy: relapse 1 after CR1, MRD rising after CAR-T's CR3
    assert [[state.short for state in step.then] for step in pathway.steps] == [
        ["relapse 1"], [], [], [], ["rising MRD"], [], [], []]
    assert pathway.steps[4].state.duration == "P2M"  # the CAR-T remission lasted two months


def test_pbc_pathway_follows_the_letter_step_by_step(cohort):
    assert steps(cohort["pbc-2021"]) == [
        ("therapy not reported", None, "not reported", None, None),
        ("cord blood transplant", None, "relapse followed", "relapse 2", "P1Y"),
        ("anti-CD19 CAR-T cells (ELIANA trial)", None, "complete remission", "CR3 MRD-negative", None),
        ("inotuzumab ozogamicin", 1, "complete remission", "CR4 MRD-negative", None),
        ("inotuzumab ozogamicin", 2, "not reported", None, None),
        ("haploidentical allogeneic HSCT", None, "not reported", None, None),
    ]
    car_t = cohort["pbc-2021"].steps[2]
    (relapse,) = car_t.then
    assert relapse.short == "relapse 3 (CD19− CD22+)"
    assert relapse.antigens == (("CD19", "negative"), ("CD22", "positive"))
    assert relapse.source.locator == "Letter, sentence 7"
    # the frontline is unknown, and so is everything up to the second remission: only what the letter implies
    assert [state.short for state in cohort["pbc-2021"].steps[0].then] == ["CR1", "relapse 1", "CR2 MRD-negative"]


def test_every_step_keeps_its_source_and_evidence_level(cohort):
    for pathway in cohort:
        for step in pathway.steps:
            assert step.source.locator and step.evidence_level == "C"
            assert step.source.citation.startswith(RASCON_CITATION) or step.source.doi == PBC_DOI
    rascon = cohort["rascon-2022"].steps
    assert (rascon[4].source.locator, rascon[4].response_locator) == ("Case description, sentence 13",
                                                                    "Case description, sentence 15")


def test_patient_graph_is_a_chain_of_therapies_with_the_state_each_was_given_in(cohort):
    chain = patient_graph(cohort["pbc-2021"])
    order = list(nx.topological_sort(chain))
    assert [chain.nodes[node]["order"] for node in order] == [1, 2, 3, 4, 5, 6]
    assert all(chain.in_degree(node) <= 1 and chain.out_degree(node) <= 1 for node in chain)
    assert [chain.edges[edge]["via"] for edge in zip(order, order[1:], strict=False)] == [
        "CR2 MRD-negative", "relapse 2", "relapse 3 (CD19− CD22+)", "CR4 MRD-negative", "CR4 MRD-negative"]
    car_t = chain.nodes[order[2]]
    assert (car_t["state"], car_t["then"], car_t["locator"], car_t["doi"]) == (
        "CR3 MRD-negative", ["relapse 3 (CD19− CD22+)"], "Letter, sentence 6", PBC_DOI)


# --- options ---------------------------------------------------------------------------------------------------

def test_changes_collapse_repeats_keeping_the_last_reported_outcome(cohort):
    from kg.clinical.pathways.options import steps_of

    rascon = steps_of(cohort["rascon-2022"], Options(mode="changes"))
    assert [step.therapy for step in rascon] == [
        "NOPHO ALL-2008 protocol", "high-risk chemotherapy course", "blinatumomab",
        "matched sibling allogeneic HSCT", "tisagenlecleucel", "blinatumomab", "matched sibling allogeneic HSCT"]
    car_t = rascon[4]
    assert (car_t.repeats, car_t.outcome) == (2, "relapse")  # two infusions ending in the third relapse
    inotuzumab = steps_of(cohort["pbc-2021"], Options(mode="changes"))[3]
    assert (inotuzumab.repeats, inotuzumab.outcome) == (2, "complete remission, MRD-negative")


def test_first_keeps_each_therapy_where_it_was_first_given_and_max_length_cuts(cohort):
    from kg.clinical.pathways.options import steps_of

    assert [step.therapy for step in steps_of(cohort["rascon-2022"], Options(mode="first"))] == [
        "NOPHO ALL-2008 protocol", "high-risk chemotherapy course", "blinatumomab",
        "matched sibling allogeneic HSCT", "tisagenlecleucel"]
    assert len(steps_of(cohort["rascon-2022"], Options(max_length=3))) == 3


@pytest.mark.parametrize("settings, param", [
    ({"mode": "last"}, "mode"), ({"min_count": 0}, "min_count"), ({"min_count": 2.5}, "min_count"),
    ({"max_length": 0}, "max_length"), ({"max_length": 51}, "max_length"), ({"max_length": True}, "max_length"),
])
def test_bad_options_are_refused_naming_the_option(settings, param):
    with pytest.raises(ParameterError) as caught:
        Options(**settings)
    assert caught.value.param == param


def test_merged_graph_of_the_two_cases(cohort):
    merged = cohort.transitions(mode="changes")
    assert merged.graph["patients"] == 2 and merged.graph["hidden"] == 0
    inotuzumab = merged.nodes["4. inotuzumab ozogamicin"]
    assert (inotuzumab["count"], inotuzumab["percent"], inotuzumab["outcomes"]) == (
        1, 50.0, {"complete remission, MRD-negative": 1})
    assert inotuzumab["sources"] == [{"citation": inotuzumab["sources"][0]["citation"], "evidence_level": "C",
                                      "count": 1}]
    edge = merged.edges["3. anti-CD19 CAR-T cells (ELIANA trial)", "4. inotuzumab ozogamicin"]
    assert (edge["count"], edge["share"], edge["via"]) == (1, 100.0, {"relapse, CD19-negative": 1})


def test_min_count_hides_paths_shared_by_fewer_patients(cohort):
    hidden = cohort.transitions(min_count=2)
    assert (hidden.number_of_nodes(), hidden.graph["shown"], hidden.graph["hidden"]) == (0, 0, 2)
    # cut to their first therapy, both patients are still on different paths
    assert cohort.transitions(min_count=2, max_length=1).graph["hidden"] == 2


# --- counts on a synthetic cohort, checked against SPARQL written here -----------------------------------------

RANKED = PREFIXES + """
SELECT ?patient ?rank ?therapy ?sequence WHERE {
  { SELECT ?administration (COUNT(?earlier) AS ?rank) WHERE {
      ?administration rdf:type/rdfs:subClassOf* sk:TherapyAdministration ; sk:patient ?p ; sk:sequence ?s .
      ?earlier rdf:type/rdfs:subClassOf* sk:TherapyAdministration ; sk:patient ?p ; sk:sequence ?e .
      FILTER(?e <= ?s)
      FILTER NOT EXISTS { ?administration a sk:SupportiveCareAdministration }
      FILTER NOT EXISTS { ?earlier a sk:SupportiveCareAdministration }
    } GROUP BY ?administration }
  ?administration sk:patient/skos:notation ?patient ; sk:agent/rdfs:label ?therapy ; sk:sequence ?sequence .
}
"""

FRONTLINE_OUTCOMES = PREFIXES + """
SELECT ?kind ?mrd (COUNT(?administration) AS ?patients) WHERE {
  ?administration a sk:TherapyAdministration ; sk:setting sk:Frontline .
  ?response sk:toTherapy ?administration ; sk:resultingState ?state .
  ?state a ?kind .
  OPTIONAL { ?state sk:mrdStatus ?mrd }
} GROUP BY ?kind ?mrd
"""


def _rows(graph, query):
    columns, rows = graph.engine.select(query)
    return [{column: to_python(value) for column, value in zip(columns, row, strict=True)} for row in rows]


def test_counts_and_percentages_agree_with_sparql(synthetic):
    graph, cohort = synthetic
    ranked = _rows(graph, RANKED)
    patients = {row["patient"] for row in ranked}
    merged = cohort.transitions()
    assert merged.graph["patients"] == len(patients) == 120

    at_step = Counter((row["rank"], row["therapy"]) for row in ranked)
    assert {(data["step"], data["therapy"]): data["count"] for _, data in merged.nodes(data=True)} == dict(at_step)
    for _, data in merged.nodes(data=True):
        assert data["percent"] == round(100 * at_step[data["step"], data["therapy"]] / len(patients), 1)

    by_patient = {(row["patient"], row["rank"]): row["therapy"] for row in ranked}
    moves = Counter((rank, therapy, by_patient[patient, rank + 1]) for (patient, rank), therapy in by_patient.items()
                    if (patient, rank + 1) in by_patient)
    edges = {(merged.nodes[a]["step"], merged.nodes[a]["therapy"], merged.nodes[b]["therapy"]): data["count"]
             for a, b, data in merged.edges(data=True)}
    assert edges == dict(moves)
    for a, _, data in merged.edges(data=True):
        assert data["share"] == round(100 * data["count"] / merged.nodes[a]["count"], 1)


def test_outcomes_at_the_first_step_agree_with_sparql(synthetic):
    graph, cohort = synthetic
    expected = Counter()
    for row in _rows(graph, FRONTLINE_OUTCOMES):
        kind = row["kind"].rsplit("#", 1)[-1]
        if kind == "Remission":
            mrd = "MRD-negative" if row["mrd"].endswith("MRDNegative") else "MRD-positive"
            expected[f"complete remission, {mrd}"] += row["patients"]
        elif kind == "RefractoryDisease":
            expected["refractory"] += row["patients"]
    (frontline,) = [data for _, data in cohort.transitions().nodes(data=True) if data["step"] == 1]
    assert frontline["outcomes"] == dict(expected) and sum(expected.values()) == 120


def test_min_count_never_shows_a_count_below_it(synthetic):
    _, cohort = synthetic
    merged = cohort.transitions(mode="changes", min_count=5)
    assert merged.graph["shown"] + merged.graph["hidden"] == merged.graph["patients"]
    assert 0 < merged.graph["shown"] < merged.graph["patients"]
    assert all(path["count"] >= 5 for path in merged.graph["paths"])
    assert sum(path["count"] for path in merged.graph["paths"]) == merged.graph["shown"]
    for _, data in merged.nodes(data=True):
        assert data["count"] >= 5
        assert all(count >= 5 or cell.startswith("other") for cell, count in data["outcomes"].items())
    for *_, data in merged.edges(data=True):
        assert data["count"] >= 5
        assert all(count >= 5 or cell.startswith("other") for cell, count in data["via"].items())


def test_most_frequent_paths_are_ranked_and_complete(synthetic):
    _, cohort = synthetic
    paths = cohort.frequent_paths(mode="first", top=None)
    assert sum(path["count"] for path in paths) == 120
    assert [path["count"] for path in paths] == sorted((path["count"] for path in paths), reverse=True)
    assert paths[0]["path"][0] == "NOPHO ALL-2008 protocol"
    assert all(len(set(path["path"])) == len(path["path"]) for path in paths)  # "first": no therapy twice


# --- questions ---------------------------------------------------------------------------------------------------

def test_what_followed_blinatumomab_and_the_class_hierarchy(cohort):
    blinatumomab = cohort.followed("blinatumomab")
    assert (blinatumomab.kind, blinatumomab.matched) == ("therapy", 2)
    assert blinatumomab.outcomes == {"complete remission, MRD-negative": 2}
    assert blinatumomab.next == {"matched sibling allogeneic HSCT": 2}
    car_t = cohort.followed("CAR-T")
    assert car_t.outcomes == {"complete remission, MRD-negative": 2, "relapse": 1}
    assert car_t.next == {"blinatumomab": 1, "inotuzumab ozogamicin": 1, "tisagenlecleucel": 1}
    assert {item["patient"] for item in car_t.evidence} == {"pbc-2021", "rascon-2022"}


def test_what_followed_a_state(cohort):
    after = cohort.followed("relapse, CD19-negative")
    assert (after.kind, after.next, after.outcomes) == (
        "state", {"inotuzumab ozogamicin": 1}, {"complete remission, MRD-negative": 1})
    assert after.evidence[0]["source"]["locator"] == "Letter, sentence 7"
    assert cohort.followed("rising MRD").next == {"tisagenlecleucel": 1, "no further therapy reported": 1}


def test_an_unknown_therapy_or_state_is_refused_with_what_is_accepted(cohort):
    with pytest.raises(ParameterError) as caught:
        cohort.followed("aspirin")
    assert "blinatumomab" in caught.value.accepted and "relapse, CD19-negative" in caught.value.accepted


def test_routes_to_mrd_negative_remission_after_car_t_failure(cohort):
    routes = {route.patient: route for route in cohort.reached_after_failure("CAR-T")}
    assert {patient: (route.failure, route.path, route.reached.short) for patient, route in routes.items()} == {
        "pbc-2021": ("relapse 3 (CD19− CD22+)", ("anti-CD19 CAR-T cells (ELIANA trial)", "inotuzumab ozogamicin"),
                     "CR4 MRD-negative"),
        "rascon-2022": ("rising MRD", ("tisagenlecleucel", "tisagenlecleucel", "blinatumomab"), "CR4 MRD-negative"),
    }
    assert routes["pbc-2021"].reached.source.locator == "Letter, sentences 5 and 11"


def test_routes_after_transplant_failure_and_none_after_inotuzumab(cohort):
    assert {route.patient: route.path for route in cohort.reached_after_failure("HSCT")} == {
        "pbc-2021": ("cord blood transplant", "anti-CD19 CAR-T cells (ELIANA trial)"),
        "rascon-2022": ("matched sibling allogeneic HSCT", "tisagenlecleucel"),
    }
    assert cohort.reached_after_failure("inotuzumab ozogamicin") == []


# --- exports -------------------------------------------------------------------------------------------------------

COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}}
NODE_LINK_SCHEMA = {
    "type": "object",
    "required": ["directed", "multigraph", "graph", "nodes", "links"],
    "properties": {
        "directed": {"const": True},
        "graph": {"type": "object",
                  "required": ["patients", "shown", "hidden", "mode", "min_count", "paths", "evidence_levels"]},
        "nodes": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "step", "therapy", "count", "percent", "ends", "outcomes", "sources"],
            "properties": {
                "id": {"type": "string"}, "step": {"type": "integer", "minimum": 1},
                "count": {"type": "integer", "minimum": 1}, "percent": {"type": "number", "maximum": 100},
                "outcomes": COUNTS,
                "sources": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["citation", "evidence_level", "count"]}},
            },
        }},
        "links": {"type": "array", "items": {
            "type": "object", "required": ["source", "target", "count", "percent", "share", "via"],
            "properties": {"count": {"type": "integer", "minimum": 1}, "via": COUNTS},
        }},
    },
}
CYTOSCAPE_SCHEMA = {
    "type": "object",
    "required": ["elements"],
    "properties": {"elements": {
        "type": "object", "required": ["nodes", "edges"],
        "properties": {
            "nodes": {"type": "array", "items": {"type": "object", "required": ["data"], "properties": {
                "data": {"type": "object", "required": ["id", "name", "count"]}}}},
            "edges": {"type": "array", "items": {"type": "object", "required": ["data"], "properties": {
                "data": {"type": "object", "required": ["source", "target", "count"]}}}},
        },
    }},
}


def test_graphml_loads_back_with_networkx(synthetic, tmp_path):
    _, cohort = synthetic
    merged = cohort.transitions(mode="changes")
    write_graphml(merged, tmp_path / "pathways.graphml")
    loaded = nx.read_graphml(tmp_path / "pathways.graphml")
    assert set(loaded.nodes) == set(merged.nodes) and set(loaded.edges) == set(merged.edges)
    for node, data in merged.nodes(data=True):
        assert loaded.nodes[node]["count"] == data["count"]
        assert json.loads(loaded.nodes[node]["outcomes"]) == data["outcomes"]
    assert loaded.graph["patients"] == 120 and loaded.graph["mode"] == "changes"


def test_node_link_json_matches_its_schema_and_loads_back(synthetic):
    _, cohort = synthetic
    merged = cohort.transitions(min_count=3)
    document = json.loads(json.dumps(node_link(merged)))
    jsonschema.validate(document, NODE_LINK_SCHEMA)
    loaded = nx.node_link_graph(document, edges="links")
    assert nx.utils.graphs_equal(loaded, merged)
    with pytest.raises(jsonschema.ValidationError):  # the schema does check something
        jsonschema.validate({**document, "nodes": [{"id": "1. x", "step": 0}]}, NODE_LINK_SCHEMA)


def test_cytoscape_json_matches_its_schema_and_loads_back(cohort):
    merged = cohort.transitions()
    document = json.loads(json.dumps(cytoscape(merged)))
    jsonschema.validate(document, CYTOSCAPE_SCHEMA)
    assert set(nx.cytoscape_graph(document).edges) == set(merged.edges)


# --- the command line ------------------------------------------------------------------------------------------

def _run(*args):
    return subprocess.run([EXE, "pathways", *args], capture_output=True, text=True, timeout=120)


def test_cli_writes_each_format(tmp_path):
    for fmt, name in [("json", "p.json"), ("graphml", "p.graphml"), ("cytoscape", "p.cy.json"), ("svg", "p.svg")]:
        done = _run("--changes", "--max-length", "3", "--format", fmt, "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "p.json").read_text())
    jsonschema.validate(document, NODE_LINK_SCHEMA)
    assert document["graph"]["mode"] == "changes" and max(node["step"] for node in document["nodes"]) == 3
    assert nx.read_graphml(tmp_path / "p.graphml").number_of_nodes() == len(document["nodes"])
    jsonschema.validate(json.loads((tmp_path / "p.cy.json").read_text()), CYTOSCAPE_SCHEMA)
    ET.fromstring((tmp_path / "p.svg").read_text())  # well-formed, or this raises


def test_cli_takes_extra_case_files(tmp_path):
    cohort_file = tmp_path / "cohort.ttl"
    cohort_file.write_text("".join(synth.cohort_turtle(patients=5, seed=17)), encoding="utf-8")
    done = _run("--first", "--format", "json", "--out", str(tmp_path / "p.json"), str(cohort_file))
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "p.json").read_text())["graph"]["patients"] == 7


@pytest.mark.parametrize("args, message", [
    (["--min-count", "0", "--format", "json", "--out", "{out}"], "must be 1 or more"),
    (["--max-length", "99", "--format", "json", "--out", "{out}"], "max_length"),
    (["--first", "--changes", "--format", "json", "--out", "{out}"], "not allowed with"),
    (["--format", "png", "--out", "{out}"], "invalid choice"),
    (["--format", "json"], "required: --out"),
    (["--format", "json", "--out", "/no/such/folder/p.json"], "no folder"),
    (["--format", "json", "--out", "{out}", "missing-case.ttl"], "no such file"),
])
def test_cli_refuses_bad_input_with_exit_code_2_and_no_traceback(args, message, tmp_path):
    done = _run(*[arg.replace("{out}", str(tmp_path / "p.json")) for arg in args])
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "p.json").exists()


def test_exports_are_the_same_for_the_same_graph(cohort):
    first = io.BytesIO()
    second = io.BytesIO()
    write_graphml(cohort.transitions(), first)
    write_graphml(cohort.transitions(), second)
    assert first.getvalue() == second.getvalue()
    assert swimmer_svg(cohort) == swimmer_svg(cohort)


# --- regression: a patient with disease states and no therapy steps (issue 18) ----------------------------------

def test_patient_with_states_and_no_steps_reads_without_crash(tmp_path):
    """A report that describes a diagnosis and a relapse but no therapy gave zip(strict=True) a ValueError, and
    /pathways a 500. Such a patient has a pathway of states alone."""
    course = "".join(synth.cohort_turtle(patients=1, seed=1))
    # Keep the source, the patient and the disease states; drop every therapy and response.
    kept = [block for block in course.split("\n\n")
            if "a sk:TherapyAdministration" not in block and "a sk:Response" not in block
            and "a sk:Transplant" not in block and "a sk:SupportiveCareAdministration" not in block
            and "sk:afterTherapy" not in block and "sk:duringTherapy" not in block]
    path = tmp_path / "states-only.ttl"
    path.write_text("\n\n".join(kept), encoding="utf-8")
    graph = KnowledgeGraph.build(cases=[path])
    assert not graph.ask("pathway-steps").rows
    pathway = Cohort.read(graph)["synth-1-000001"]
    assert pathway.steps == ()
    assert [state.kind for state in pathway.states][:2] == ["diagnosis", "complete remission"]
