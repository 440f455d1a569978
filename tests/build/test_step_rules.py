"""The derived therapy steps (#20): what the pathway, response, relapse and salvage questions read instead of
computing it on every call, checked against what the two case reports state."""

from kg.build.rules import rules
from kg.namespaces import derived_graph

PBC = "https://w3id.org/salvage-kg/patient/pbc-2021"


def test_a_step_per_therapy_with_its_line_and_every_class_of_its_agent_supportive_care_none(select):
    rows = select(f"""
        SELECT ?administration ?line ?kinds ?modalities WHERE {{
          GRAPH <{derived_graph("therapy-steps")}> {{
            ?step sk:patient <{PBC}> ; sk:stepOf ?administration ; sk:kindList ?kinds ; sk:modalityList ?modalities .
            OPTIONAL {{ ?step sk:stepLineNumber ?line }} }}
        }}""")
    steps = {row["administration"].rsplit("/", 1)[-1]: row for row in rows}
    assert set(steps) == {"frontline", "transplant-1", "car-t", "inotuzumab-1", "inotuzumab-2", "transplant-2"}
    assert steps["car-t"]["line"] == 3
    assert set(steps["car-t"]["kinds"].split("|")) == {
        "https://w3id.org/salvage-kg/ontology#CARTProduct",
        "https://w3id.org/salvage-kg/ontology#Immunotherapy",
        "https://w3id.org/salvage-kg/ontology#TherapyAgent",
    }
    assert steps["transplant-2"]["modalities"] == "haploidentical HSCT"


def test_an_outcome_per_reported_response_and_silence_kept_as_not_reported(select):
    rows = select(f"""
        SELECT ?administration ?response ?state ?time WHERE {{
          GRAPH <{derived_graph("therapy-outcomes")}> {{
            ?outcome sk:patient <{PBC}> ; sk:outcomeOf ?administration ; sk:responseLabel ?response .
            OPTIONAL {{ ?outcome sk:outcomeState ?state }} OPTIONAL {{ ?outcome sk:timeToState ?time }} }}
        }}""")
    outcomes = {row["administration"].rsplit("/", 1)[-1]: row for row in rows}
    assert len(rows) == len(outcomes) == 7  # six steps and the supportive care each once: one response at most
    # Silence is written, not left out (#20: a question reads it as a required pattern): sk:NotReported.
    assert outcomes["inotuzumab-2"]["response"] == "not reported"
    assert outcomes["inotuzumab-2"]["state"] == "https://w3id.org/salvage-kg/ontology#NotReported"
    assert outcomes["supportive-care"]["response"] == "not reported"
    assert outcomes["car-t"]["state"] == f"{PBC}/remission-3"


def test_each_relapse_names_the_last_therapy_before_it_and_the_time_from_it_only_where_stated(select):
    rows = select(f"""
        SELECT ?relapse ?therapy ?time ?precision WHERE {{
          ?after a sk:RelapseAfterTherapy ; sk:patient <{PBC}> ; sk:ofRelapse ?relapse ; sk:afterTherapy ?therapy ;
            sk:timeToRelapse ?time ; sk:timePrecisionLabel ?precision .
        }} ORDER BY ?relapse""")
    assert [
        (r["relapse"].rsplit("/", 1)[-1], r["therapy"].rsplit("/", 1)[-1], str(r["time"]), r["precision"]) for r in rows
    ] == [
        ("relapse-1", "frontline", "not reported", "not reported"),
        ("relapse-2", "transplant-1", "P1Y", "approximate"),
        ("relapse-3", "car-t", "P1Y", "approximate"),
    ]


def test_the_cd19_negative_relapse_names_what_it_still_expresses_and_the_therapies_given_after_it(select):
    rows = select(f"""
        SELECT ?relapse ?expressed ?given WHERE {{
          ?negative a sk:AntigenNegativeRelapse ; sk:patient <{PBC}> ; sk:lostAntigen sk:CD19 ; sk:ofRelapse ?relapse ;
            sk:stillExpressed ?expressed ; sk:thenGiven ?given .
        }}""")
    assert {row["relapse"] for row in rows} == {f"{PBC}/relapse-3"}
    assert {row["expressed"] for row in rows} == {"https://w3id.org/salvage-kg/ontology#CD22"}
    # Supportive care accompanies the salvage therapies; it is not one of them.
    assert {row["given"].rsplit("/", 1)[-1] for row in rows} == {"inotuzumab-1", "inotuzumab-2", "transplant-2"}


def test_each_antigen_negative_relapse_carries_its_patients_evidence_level(graph_with_cohort):
    """Written on the relapse, so that a question at one level starts from that level's such relapses (#20)."""
    columns, rows = graph_with_cohort.engine.select("""
        PREFIX sk: <https://w3id.org/salvage-kg/ontology#>
        SELECT ?negative ?written ?stated WHERE {
          ?negative a sk:AntigenNegativeRelapse ; sk:patient ?patient .
          ?patient sk:evidenceLevel ?stated .
          OPTIONAL { ?negative sk:patientEvidenceLevel ?written }
        }""")
    levels = {str(stated) for _, _, stated in rows}
    assert levels == {"https://w3id.org/salvage-kg/ontology#EvidenceLevelC",
                      "https://w3id.org/salvage-kg/ontology#NoEvidence"}, "published and synthetic relapses"
    assert [row for row in rows if row[1] != row[2]] == []


def test_agent_classes_rest_on_the_vocabulary_alone_and_say_so(select):
    (rule,) = [rule for rule in rules() if rule.name == "agent-classes"]
    assert "#+ scope: vocabulary" in rule.text
    bases = select(f"""
        SELECT DISTINCT ?basis WHERE {{
          GRAPH <{derived_graph("agent-classes")}> {{ ?classes prov:wasDerivedFrom ?basis }} }}""")
    assert bases and not [row for row in bases if "/patient/" in row["basis"] or "/source/" in row["basis"]]
    (row,) = select("""SELECT ?kinds WHERE { ?c sk:classifiedAgent <https://w3id.org/salvage-kg/agent/blinatumomab> ;
                                           sk:agentOrClass sk:Immunotherapy ; sk:targetList ?kinds }""")
    assert sorted(row["kinds"].split("|")) == ["CD19", "CD3"]


# Every column a question reads as a required pattern (#20 optionals): written on each derived node, a value or
# sk:NotReported, never both, so that the required pattern gives the rows an OPTIONAL gave.
WRITTEN_EVERY_TIME = {
    "TherapyOutcome": [
        "settingLabel",
        "responseLocator",
        "outcomeState",
        "outcomeStateLabel",
        "outcomeMrdLabel",
        "timeToState",
        "sourceDoi",
    ],
    "TherapyStep": ["stepLineNumber", "stepCourseCount", "stepCourseNumber"],
    "RelapseAfterTherapy": ["cnsStatusLabel", "timingCategoryLabel", "sourceDoi"],
    "TransplantSummary": [
        "settingLabel",
        "transplantHlaMatch",
        "transplantConditioningBasis",
        "conditioningList",
        "gvhdProphylaxisList",
        "statusAtTransplantLabel",
        "followedByLabel",
        "sourceDoi",
    ],
}


def test_silence_is_written_once_beside_no_value_on_every_derived_node_a_question_reads_without_optional(select):
    for kind, properties in WRITTEN_EVERY_TIME.items():
        for prop in properties:
            rows = select(f"""
                SELECT ?node (COUNT(?value) AS ?values) (SUM(IF(sameTerm(?value, sk:NotReported), 1, 0)) AS ?silent)
                WHERE {{ ?node a sk:{kind} . OPTIONAL {{ ?node sk:{prop} ?value }} }} GROUP BY ?node""")
            assert rows, kind
            for row in rows:
                assert row["values"] >= 1, (kind, prop, row["node"])
                assert row["silent"] == 0 or row["values"] == 1, (kind, prop, row["node"])
    silent = select("SELECT ?o WHERE { ?o a sk:TherapyOutcome ; sk:outcomeState sk:NotReported }")
    stated = select(
        "SELECT ?o WHERE { ?o a sk:TherapyOutcome ; sk:outcomeState ?s . FILTER(!sameTerm(?s, sk:NotReported)) }"
    )
    assert silent and stated  # both kinds occur in the two cases: the check above saw each


def test_a_timed_event_for_each_event_a_source_dates_once_even_with_two_intervals(select):
    """What pathway-timings reads a patient's events through (#20): the events the reports date from an earlier
    one, each once (rascon's rising MRD is dated from the second transplant and from diagnosis)."""
    rows = select(f"""
        SELECT ?timed ?event ?patient WHERE {{
          GRAPH <{derived_graph("timed-events")}> {{
            ?timed a sk:TimedEvent ; sk:patient ?patient ; sk:summarises ?event ; prov:wasDerivedFrom ?event }}
        }}""")
    timed = sorted(row["event"].removeprefix("https://w3id.org/salvage-kg/patient/") for row in rows)
    assert timed == ["pbc-2021/relapse-2", "pbc-2021/relapse-3", "rascon-2022/mrd-rise-2", "rascon-2022/relapse-2",
                     "rascon-2022/relapse-3", "rascon-2022/transplant-1"]
    assert all(row["patient"] == row["event"].rsplit("/", 1)[0] for row in rows)
    assert all(row["timed"] == row["event"] + "/timed" for row in rows)
