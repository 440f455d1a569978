"""The rule aimed-at-lost-antigen: what not to give after a relapse that lost (or may have lost) an antigen."""

import pyoxigraph as ox
import pytest

from kg.build.rules import rules
from kg.namespaces import derived_graph
from kg.paths import ONTOLOGY_FILE, VOCABULARY_FILE

RULE = "https://w3id.org/salvage-kg/rule/aimed-at-lost-antigen"
SK = "https://w3id.org/salvage-kg/ontology#"


def agents_targeting(select, antigen: str) -> set[str]:
    rows = select(f"""SELECT ?agent WHERE {{
        ?agent sk:targets sk:{antigen} ; rdf:type/rdfs:subClassOf* sk:TherapyAgent }}""")
    return {row["agent"] for row in rows}


def test_every_agent_aimed_at_cd19_is_to_be_avoided_after_the_cd19_negative_relapse(select):
    rows = select(f"""
        SELECT ?agent ?finding ?state ?rule WHERE {{
          GRAPH <{derived_graph('aimed-at-lost-antigen')}> {{
            ?warning a sk:TherapyWarning ; sk:agent ?agent ; sk:antigen sk:CD19 ; sk:warningLevel sk:Avoid ;
              sk:restsOnFinding ?finding ; sk:diseaseState ?state ; sk:derivedBy ?rule ;
              prov:wasDerivedFrom ?finding, ?state .
          }}
        }}""")
    cd19_agents = agents_targeting(select, "CD19")
    assert {"https://w3id.org/salvage-kg/agent/blinatumomab",
            "https://w3id.org/salvage-kg/agent/tisagenlecleucel"} <= cd19_agents
    assert {row["agent"] for row in rows} == cd19_agents
    assert {(row["finding"], row["state"], row["rule"]) for row in rows} == {(
        "https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3-cd19",
        "https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3", RULE)}


def test_no_warning_for_an_antigen_the_relapse_still_expresses(ask_sparql):
    assert not ask_sparql("""ASK { ?warning a sk:TherapyWarning ;
        sk:restsOnFinding <https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3-cd22> }""")


def test_not_reported_is_never_a_silent_pass_but_test_first(select):
    unknown = select("""
        SELECT ?finding ?antigen WHERE {
          ?finding a sk:AntigenExpression ; sk:expressionStatus sk:NotReported ; sk:antigen ?antigen ;
            sk:findingAt/rdf:type sk:Relapse .
        }""")
    assert unknown
    for row in unknown:
        warned = select(f"""SELECT ?agent WHERE {{ ?w sk:restsOnFinding <{row['finding']}> ;
            sk:warningLevel sk:TestFirst ; sk:agent ?agent }}""")
        antigen = row["antigen"].removeprefix(SK)
        assert {w["agent"] for w in warned} == agents_targeting(select, antigen), row["finding"]


def test_findings_at_diagnosis_give_no_warning(ask_sparql):
    # Salvage answers a relapse, refractory disease or rising MRD; the diagnosis is not such a state.
    assert not ask_sparql("ASK { ?w a sk:TherapyWarning ; sk:diseaseState/rdf:type sk:Diagnosis }")


@pytest.mark.parametrize(("status", "level"), [
    ("Dim", "Caution"), ("Reduced", "Caution"), ("Negative", "Avoid"), ("NotReported", "TestFirst"),
    ("Positive", None),
])
def test_each_expression_status_gives_its_warning_level(status, level):
    """The rule alone, on the ontology and one finding at refractory disease (no case file needed)."""
    store = ox.Store()
    for path in (ONTOLOGY_FILE, VOCABULARY_FILE):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"urn:{path.stem}"))
    store.bulk_load(f"""
        @prefix sk: <{SK}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <urn:state> a sk:RefractoryDisease ; rdfs:label "refractory disease" .
        <urn:finding> a sk:AntigenExpression ; sk:findingAt <urn:state> ; sk:antigen sk:CD22 ;
            sk:expressionStatus sk:{status} ; sk:patient <urn:patient> .
        """.encode(), ox.RdfFormat.TURTLE, to_graph=ox.NamedNode("urn:case"))
    [rule] = [rule for rule in rules() if rule.name == "aimed-at-lost-antigen"]
    derived = list(store.query(rule.text, use_default_graph_as_union=True))
    levels = {t.object.value.removeprefix(SK) for t in derived if t.predicate.value == SK + "warningLevel"}
    agents = {t.object.value for t in derived if t.predicate.value == SK + "agent"}
    assert levels == ({level} if level else set())
    if level:
        assert "https://w3id.org/salvage-kg/agent/inotuzumab-ozogamicin" in agents
        assert not any(t.object.value.endswith("blinatumomab") for t in derived)


def test_a_warning_without_its_level_or_finding_is_rejected(graph):
    """SHACL holds what the rule derives: one agent, antigen, level and finding per warning."""
    from rdflib import URIRef

    from kg.build.pipeline import union_graph
    from kg.build.validate import violations_in, violations_in_store

    warning = URIRef("https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3-cd19/warning-blinatumomab")
    stated = union_graph(graph.store)
    assert (warning, None, None) in stated
    stated.remove((warning, URIRef(SK + "warningLevel"), None))
    stated.remove((warning, URIRef(SK + "restsOnFinding"), None))
    compiled = ox.Store()
    compiled.load(stated.serialize(format="nt").encode(), ox.RdfFormat.N_TRIPLES)
    assert sorted(map(str, violations_in_store(compiled))) == sorted(map(str, violations_in(stated))) == [
        f"patient:pbc-2021/relapse-3-cd19/warning-blinatumomab violates shape:TherapyWarningShape (path {path}): "
        f"{message}" for path, message in sorted([
            ("sk:restsOnFinding", "a therapy warning rests on one antigen-expression finding (sk:restsOnFinding)"),
            ("sk:warningLevel", "a therapy warning has one level: avoid, caution or test first (sk:warningLevel)")])]
