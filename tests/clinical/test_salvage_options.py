"""kg.salvage_options: the ranked answer after a relapse that lost an antigen, in the library (issue 15)."""

import dataclasses
import re

import pytest
from question_helpers import CountingEngine

from kg import ParameterError, salvage_options
from kg.clinical.salvage_options import DESIGN_ORDER
from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.tools import synth

ASKED = {"lost": "CD19", "expressed": "CD22", "prior": ["CAR-T"], "age_group": "child"}


@pytest.fixture(scope="module")
def answer(graph):
    return salvage_options(**ASKED, graph=graph)


def by_label(answer):
    return {option.therapy.label: option for option in answer.options}


def agents(select, where: str) -> set[str]:
    return {row["label"] for row in select(f"SELECT ?label WHERE {{ {where} ?agent rdfs:label ?label }}")}


# --- done when (issue 15) -----------------------------------------------------------------------------------------

def test_done_when_cd22_options_carry_trial_results_with_denominators_and_indirectness(answer):
    options = by_label(answer)
    for name in ("inotuzumab ozogamicin", "CD22-directed CAR-T cells"):
        option = options[name]
        assert "CD22" in option.therapy.targets
        assert "targets CD22, which the relapse still expresses" in option.why
        assert option.study_results, f"{name} has published study results"
        for result in option.study_results:
            assert result.evidence_level == "B" and result.source.citation
            assert result.source.doi or result.source.pmid, "a link to the publication"
            assert result.study and result.design
        counted = [result for result in option.study_results if result.denominator is not None]
        assert counted and all(result.denominator_basis for result in counted)
        assert all(f"{result.denominator} {result.denominator_basis}" in result.figure for result in counted)
        assert any(result.indirectness for result in option.study_results), f"{name}: indirectness notes"


def test_done_when_the_pbc_patients_course_is_case_evidence(answer):
    inotuzumab = by_label(answer)["inotuzumab ozogamicin"]
    pbc = [case for case in inotuzumab.evidence if case.patient == "pbc-2021"]
    assert [case.response for case in pbc] == ["complete remission: fourth complete remission",
                                               "response not reported"]
    assert all(case.evidence_level == "C" and case.source.doi == "10.1002/pbc.28980" and case.source.locator
               for case in pbc)


def test_done_when_blinatumomab_and_every_cd19_car_t_are_to_be_avoided_citing_the_cd19_negative_finding(
        answer, select):
    avoided = {warning.therapy.label: warning for warning in answer.avoid if warning.level == "avoid"}
    cd19_car_t = agents(select, "?agent a sk:CARTProduct ; sk:targets sk:CD19 .")
    assert len(cd19_car_t) >= 3
    assert {"blinatumomab"} | cd19_car_t <= set(avoided)
    for name in {"blinatumomab"} | cd19_car_t:
        warning = avoided[name]
        assert warning.antigen == "CD19"
        [finding] = warning.findings
        assert (finding.patient, finding.disease_state, finding.status) == ("pbc-2021", "third relapse", "negative")
        assert finding.source.locator == "Letter, sentence 8" and finding.source.doi == "10.1002/pbc.28980"
        assert finding.evidence_level == "C"
    assert not any("CD19" in option.therapy.targets for option in answer.options)


# --- the ranking rule ---------------------------------------------------------------------------------------------

def test_options_are_ranked_by_design_then_directness_then_outcome(answer):
    assert [option.rank for option in answer.options] == list(range(1, len(answer.options) + 1))
    designs = [DESIGN_ORDER.index(option.best_design) for option in answer.options]
    assert designs == sorted(designs)
    for option in answer.options:
        assert "ranked by design, then directness, then outcome" in option.reason
        assert option.reason.startswith(f"Rank {option.rank}. Why an option: ")
    assert "never by effect size alone" in answer.ranking


def test_a_randomised_trial_outranks_a_higher_rate_from_a_single_arm_study(answer):
    ranked = [option for option in answer.options if option.study_results]
    randomised = [option for option in ranked if option.best_design == "randomised trial"]
    single_arm = [option for option in ranked if option.best_design == "non-randomised study"]
    assert randomised and single_arm, "inotuzumab has a randomised trial, CD22 CAR-T single-arm studies"
    assert max(option.rank for option in randomised) < min(option.rank for option in single_arm)


def test_indirectness_for_a_child_applies_to_adult_studies_only(answer):
    for option in answer.options:
        for result in option.study_results:
            for note in result.indirectness:
                if note.dimension == "age group":
                    assert note.applies == (result.age_group == "adults"), (result.study, note)


def test_a_response_not_reported_is_never_counted_as_a_failure(answer):
    transplant = by_label(answer)["haploidentical allogeneic HSCT"]
    assert [case.response for case in transplant.evidence] == ["response not reported"]
    assert "0 without one, 1 response not reported (never counted as a failure)" in transplant.reason


def test_a_therapy_named_as_given_goes_last_but_a_modality_marks_no_product(graph):
    named = salvage_options(lost="CD19", prior=["inotuzumab ozogamicin"], graph=graph)
    assert named.options[-1].therapy.label == "inotuzumab ozogamicin"
    assert named.options[-1].already_given and "already given (prior)" in named.options[-1].reason
    modality = salvage_options(lost="CD19", prior=["CAR-T"], graph=graph)
    assert not any(option.already_given for option in modality.options)


def test_an_antigen_the_question_leaves_open_is_test_first(graph):
    open_question = salvage_options(lost="CD19", graph=graph)
    test_first = {warning.therapy.label for warning in open_question.avoid if warning.level == "test first"}
    assert "inotuzumab ozogamicin" in test_first
    assert all(warning.antigen == "CD22" for warning in open_question.avoid if warning.level == "test first")
    answered = salvage_options(lost="CD19", expressed="CD22", graph=graph)
    assert not [warning for warning in answered.avoid if warning.level == "test first"]


# --- names, refusals and the record ---------------------------------------------------------------------------------

def test_names_people_use_are_accepted(graph, answer):
    same = salvage_options(lost="sk:CD19", expressed="cd22", prior="CAR-T cell product", age_group="children",
                           graph=graph)
    assert [option.therapy.id for option in same.options] == [option.therapy.id for option in answer.options]


@pytest.mark.parametrize(("given", "param", "fragment"), [
    ({"lost": "CD20"}, "lost", "'CD20' is not a known sk:Antigen"),
    ({"lost": "CD19", "expressed": "CD19"}, "expressed", "cannot be both lost and still expressed"),
    ({"lost": "CD19", "prior": ["aspirin"]}, "prior", "'aspirin' is not a known sk:TherapyAgent"),
    ({"lost": "CD19", "age_group": "toddler"}, "age_group", "children"),
    ({"lost": "CD19", "prior": ["CAR-T"] * 21}, "prior", "at most 20"),
    ({"lost": "CD19", "prior": ["x" * 201]}, "prior", "longer than 200 characters"),
])
def test_unknown_values_are_refused_with_the_accepted_names(graph, given, param, fragment):
    with pytest.raises(ParameterError) as refused:
        salvage_options(**given, graph=graph)
    assert refused.value.param == param and fragment in str(refused.value)


def test_the_answer_is_frozen_and_says_evidence_not_advice(answer):
    with pytest.raises(dataclasses.FrozenInstanceError):
        answer.options[0].rank = 99
    assert answer.disclaimer.startswith("Evidence, not advice") and "not treatment advice" in answer.disclaimer
    assert answer.to_dict()["options"][0]["therapy"]["label"] == answer.options[0].therapy.label
    assert "Evidence, not advice" in answer.to_table()


def test_synthetic_patients_are_never_evidence_in_the_answer(graph_with_cohort):
    given = graph_with_cohort.ask("salvage-options", lost_antigen="CD19").rows
    assert any(row["evidence_level"] == "synthetic" for row in given), "the cohort has CD19-negative relapses"
    answer = salvage_options(**ASKED, graph=graph_with_cohort)
    patients = {case.patient for option in answer.options for case in option.evidence}
    patients |= {finding.patient for warning in answer.avoid for finding in warning.findings}
    assert patients == {"pbc-2021"}


def test_the_ranked_answer_reads_no_synthetic_patient(graph_with_cohort):
    """It read the whole salvage-options and therapy-warnings answers and left the synthetic rows out: 3.4 s at
    10,000 patients, past the time limit at 100,000. It asks for the published sources' levels only (#20)."""
    reading = CountingEngine(graph_with_cohort.engine)
    graph = KnowledgeGraph(graph_with_cohort.store, reading)
    for asked in (ASKED, {"lost": "CD19"}, {"lost": "CD22"}):
        salvage_options(**asked, graph=graph)
    assert reading.rows, "the answers were read through the engine"
    synthetic = [row for row in reading.rows if any("synth-" in str(value) for value in row)]
    assert synthetic == []


@pytest.mark.parametrize("asked", [ASKED, {"lost": "CD19"}, {"lost": "CD22", "age_group": "adult"},
                                   {"lost": "CD19", "expressed": "CD22", "prior": ["blinatumomab"]}])
def test_a_synthetic_cohort_changes_nothing_of_the_ranked_answer(graph, graph_with_cohort, asked):
    assert salvage_options(**asked, graph=graph_with_cohort) == salvage_options(**asked, graph=graph)


@pytest.fixture(scope="module")
def graph_with_cd22_negative_cohort(tmp_path_factory) -> KnowledgeGraph:
    """The two reports beside 60 synthetic patients whose every relapse is CD22-negative and still CD19-positive:
    relapses no published case has."""
    cohort = "".join(synth.cohort_turtle(patients=60, seed=3))
    cohort = re.sub(r"(sk:antigen sk:CD22 ;\s*sk:expressionStatus )sk:\w+", r"\1sk:Negative", cohort)
    path = tmp_path_factory.mktemp("cd22-negative") / "cohort.ttl"
    path.write_text(cohort, encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [path])


def test_the_ranked_answer_lists_no_target_link_option_from_a_synthetic_relapse(graph,
                                                                                  graph_with_cd22_negative_cohort):
    """The options aimed at an antigen still expressed after the loss were the question's target-link rows, which
    rest on every such relapse the graph holds: beside this cohort, CD19 agents were listed for a CD22 loss on
    synthetic relapses alone."""
    rows = graph_with_cd22_negative_cohort.ask("salvage-options", lost_antigen="CD22",
                                               evidence_level="target link").rows
    assert {row["reasons"][0] for row in rows} == {"targets CD19, expressed at a CD22-negative relapse"}
    answer = salvage_options(lost="CD22", graph=graph_with_cd22_negative_cohort)
    assert [option.why for option in answer.options if "expressed at" in " ".join(option.why)] == []
    assert answer == salvage_options(lost="CD22", graph=graph)


def test_outcome_is_read_from_the_figure_that_counts_the_most_patients(answer):
    """Not the highest rate: 5 of 5 at one dose level says less than 11 of 15 (Fry et al., CD22 CAR-T)."""
    cd22_car_t = by_label(answer)["CD22-directed CAR-T cells"]
    rates = {result.denominator: result for result in cd22_car_t.study_results if result.rate_percent is not None}
    assert len(rates) >= 2
    largest = rates[max(rates)]
    assert f"remission in its largest counted group: {largest.figure.split('; ')[0]}" in cd22_car_t.reason
    assert all(f"{result.numerator} of {result.denominator}" not in cd22_car_t.reason
               for denominator, result in rates.items() if denominator != max(rates))


def test_a_study_without_a_remission_figure_is_not_scored_as_zero_percent(graph):
    """Review finding: a randomised study reporting only survival or event-free survival was given an outcome of
    0% and ranked as if no patient had responded. It now comes after options with a remission figure, and its
    reason says why, rather than reading as a failure."""
    from kg.clinical.salvage_model import Therapy
    from kg.clinical.salvage_options import _standing
    from kg.clinical.salvage_reading import Asked

    asked = Asked.read(graph, "CD19", "CD22", ["CAR-T"], "child")
    results = salvage_options(lost="CD19", expressed="CD22", prior=["CAR-T"], age_group="child", graph=graph)
    inotuzumab = next(option for option in results.options if "inotuzumab" in option.therapy.label)
    figures = tuple(result for result in inotuzumab.study_results if result.randomised)
    survival_only = tuple(dataclasses.replace(result, outcome="median overall survival", rate_percent=None)
                          for result in figures)
    with_figure = _standing(asked, Therapy("urn:x:a", "with a figure", "x", ()), (), (), figures)
    without = _standing(asked, Therapy("urn:x:b", "without one", "x", ()), (), (), survival_only)
    assert with_figure.key < without.key
    assert "no remission figure reported (not counted as a failure" in without.said
    assert "0%" not in without.said and "0.0" not in without.said
