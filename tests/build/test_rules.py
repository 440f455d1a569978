"""Derived facts: produced by named rules, kept in their own named graphs, naming their rule and evidence."""

from kg.namespaces import derived_graph


def test_antigen_escape_is_derived_for_the_cd19_negative_relapse_after_car_t(select):
    graph = derived_graph("antigen-escape")
    rows = select(f"""
        SELECT ?relapse ?antigen ?therapy ?rule WHERE {{
          GRAPH <{graph}> {{ ?escape a sk:AntigenEscape ; sk:relapse ?relapse ; sk:antigen ?antigen ;
                                sk:afterTherapy ?therapy ; sk:derivedBy ?rule }}
        }}""")
    assert rows == [{
        "relapse": "https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3",
        "antigen": "https://w3id.org/salvage-kg/ontology#CD19",
        "therapy": "https://w3id.org/salvage-kg/patient/pbc-2021/car-t",
        "rule": "https://w3id.org/salvage-kg/rule/antigen-escape",
    }]



def test_antigen_escape_lists_the_labels_of_the_therapies_it_follows(select):
    """The list antigen-escapes reads (#20): the labels of the escape's own earlier therapies, none else."""
    graph = derived_graph("antigen-escape")
    rows = select(f"""
        SELECT ?escape ?list ?label WHERE {{
          GRAPH <{graph}> {{ ?escape sk:afterTherapyList ?list ; sk:afterTherapy ?therapy }}
          ?therapy rdfs:label ?label .
        }}""")
    assert rows
    labels: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        labels.setdefault((row["escape"], row["list"]), set()).add(row["label"])
    assert len({escape for escape, _ in labels}) == len(labels)  # one list an escape
    assert all(sorted(listed.split("|")) == sorted(names) for (_, listed), names in labels.items())
    assert "https://w3id.org/salvage-kg/patient/pbc-2021/relapse-3/escape-cd19" in {escape for escape, _ in labels}


def test_derived_statements_never_sit_in_a_case_graph(ask_sparql):
    assert not ask_sparql("""
        ASK { GRAPH ?g { ?x a ?type } ?type rdfs:subClassOf sk:DerivedStatement .
              FILTER(STRSTARTS(STR(?g), "https://w3id.org/salvage-kg/graph/case/")) }""")


def test_every_derived_statement_names_its_rule_file_and_the_facts_it_rests_on(select):
    rows = select("""
        SELECT ?statement ?file (COUNT(DISTINCT ?basis) AS ?bases) WHERE {
          ?statement sk:derivedBy ?rule ; prov:wasDerivedFrom ?basis . ?rule sk:ruleFile ?file .
        } GROUP BY ?statement ?file""")
    assert rows and all(row["bases"] >= 2 for row in rows)
    assert {row["file"] for row in rows} >= {"queries/rules/antigen-escape.rq", "queries/rules/lines-of-therapy.rq",
                                             "queries/rules/aimed-at-lost-antigen.rq"}


def test_lines_of_therapy_in_order(select):
    rows = select("""
        SELECT ?patient ?number (COUNT(?therapy) AS ?therapies) WHERE {
          ?line a sk:TherapyLine ; sk:patient ?p ; sk:lineNumber ?number ; sk:includesTherapy ?therapy .
          ?p skos:notation ?patient .
        } GROUP BY ?patient ?number ORDER BY ?patient ?number""")
    assert [(row["patient"], row["number"], row["therapies"]) for row in rows] == [
        ("pbc-2021", 1, 1), ("pbc-2021", 2, 1), ("pbc-2021", 3, 1), ("pbc-2021", 4, 3),
        ("rascon-2022", 1, 1), ("rascon-2022", 2, 1), ("rascon-2022", 3, 2), ("rascon-2022", 4, 1),
        ("rascon-2022", 5, 1), ("rascon-2022", 6, 2),
    ]


def test_supportive_care_is_not_a_line_of_therapy(ask_sparql):
    assert not ask_sparql("ASK { ?line sk:includesTherapy ?x . ?x a sk:SupportiveCareAdministration }")
