"""The closures the questions write as fixed chains (portable to Virtuoso 7.2) reach every class that
rdf:type/rdfs:subClassOf* reaches, and every age group skos:narrower* reaches: the vocabulary is no deeper."""

CHAIN = ("rdf:type|rdf:type/rdfs:subClassOf|rdf:type/rdfs:subClassOf/rdfs:subClassOf"
         "|rdf:type/rdfs:subClassOf/rdfs:subClassOf/rdfs:subClassOf")
PREFIXES = ("PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")
NARROWER = "skos:narrower|skos:narrower/skos:narrower|skos:narrower/skos:narrower/skos:narrower"


def test_the_fixed_chains_reach_every_class_the_transitive_closure_reaches(select):
    closure = select(PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?x ?c WHERE "
                     "{ ?x rdf:type/rdfs:subClassOf* ?c } }")[0]["n"]
    missed = select(PREFIXES + "SELECT ?x ?c WHERE { ?x rdf:type/rdfs:subClassOf* ?c "
                    f"FILTER NOT EXISTS {{ ?x {CHAIN} ?c }} }} LIMIT 5")
    assert int(closure) > 1000 and missed == []


def test_the_questions_use_the_chain_this_test_checks():
    from kg.paths import QUERIES_DIR

    users = [path.name for path in QUERIES_DIR.rglob("*.rq") if CHAIN in path.read_text(encoding="utf-8")]
    assert {"study-results.rq", "therapy-warnings.rq", "toxicities-by-therapy.rq", "terms-in-range.rq"} <= set(users)


def test_the_fixed_narrower_chains_reach_every_narrower_age_group(select):
    missed = select(PREFIXES + "SELECT ?x ?y WHERE { ?x skos:narrower+ ?y "
                    f"FILTER NOT EXISTS {{ ?x {NARROWER} ?y }} }} LIMIT 5")
    reached = select(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ ?x {NARROWER} ?y }}")[0]["n"]
    assert int(reached) > 0 and missed == []
    from kg.paths import QUERIES_DIR

    assert NARROWER in (QUERIES_DIR / "indirectness-notes.rq").read_text(encoding="utf-8")
