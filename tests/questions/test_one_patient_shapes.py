"""Questions with a second query shape for one patient (queries/for-one-patient/): with a patient bound it must
give exactly the rows the cohort-wide shape gives for that patient, on both engines, for the bundled cases and
for synthetic patients of every kind of pathway the generator makes."""

import pytest
from rdflib import URIRef

from kg.knowledge_graph import KnowledgeGraph
from kg.paths import case_files
from kg.questions.catalogue import catalogue
from kg.tools import synth

WITH_ONE_PATIENT_SHAPE = sorted(name for name, question in catalogue().items() if question.one_patient_text)


def test_the_questions_whose_optional_patient_needs_its_own_shape_have_one():
    assert WITH_ONE_PATIENT_SHAPE == ["pathway-states", "patients", "remission-durations",
                                     "transplant-details"]
    for name in WITH_ONE_PATIENT_SHAPE:
        question = catalogue()[name]
        assert not question.param("patient").required
        assert "?_patient_iri" in question.one_patient_text


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """The bundled cases plus 40 synthetic patients, on Oxigraph."""
    path = tmp_path_factory.mktemp("cohort") / "synthetic.ttl"
    path.write_text("".join(synth.cohort_turtle(patients=40, seed=3)), encoding="utf-8")
    return KnowledgeGraph.build(cases=case_files() + [path])


def _by_patient(rows):
    grouped = {}
    for row in rows:
        grouped.setdefault(row["patient"], []).append(row)
    return grouped


@pytest.mark.parametrize("name", WITH_ONE_PATIENT_SHAPE)
def test_one_patient_shape_gives_the_cohort_rows_of_that_patient(cohort, name):
    whole = _by_patient(cohort.ask(name).rows)
    patients = cohort.choices("https://w3id.org/salvage-kg/ontology#Patient")
    assert len(patients) == 42
    for patient in patients:
        one = cohort.ask(name, patient=URIRef(patient.iri)).rows
        notation = patient.iri.rsplit("/", 1)[-1]
        assert list(one) == whole.get(notation, []), (name, notation)


@pytest.mark.parametrize("name", WITH_ONE_PATIENT_SHAPE)
def test_one_patient_shape_on_rdflib_engine_agrees(graph, rdflib_graph, name):
    for patient in ("rascon-2022", "pbc-2021"):
        expected = [row for row in graph.ask(name).rows if row["patient"] == patient]
        assert expected
        assert list(rdflib_graph.ask(name, patient=patient).rows) == expected
        assert list(graph.ask(name, patient=patient).rows) == expected


def test_each_variant_declares_what_it_serves_why_and_when_it_can_go():
    """The variant files had no header, were paired by file name only, and four of five named the wrong test file
    (issue 16): each now says which question it serves, why, what was measured, when it can go, what checks it."""
    from kg.questions.catalogue import VARIANT_KEYS, read_header

    for name in WITH_ONE_PATIENT_SHAPE:
        header = read_header(catalogue()[name].one_patient_text)
        assert all(header.get(key) for key in VARIANT_KEYS), name
        assert header["variant-of"] == name
        assert header["checked-by"].split()[0] == "tests/questions/test_one_patient_shapes.py"
        assert "->" in header["measured"] and "ms" in header["measured"]


@pytest.mark.parametrize(("change", "refusal"), [
    (lambda text: text.replace("#+ remove-when:", "#+ removable:"), "lacks #+ remove-when:"),
    (lambda text: text.replace("#+ variant-of: patients", "#+ variant-of: pathway-steps"), "not 'patients'"),
    (lambda text: text.replace("?evidence_level\nWHERE", "\nWHERE", 1), "columns differ"),
])
def test_a_variant_that_does_not_match_its_question_is_refused_at_load(tmp_path, change, refusal):
    import re
    import shutil

    from kg.paths import QUERIES_DIR
    from kg.questions.catalogue import QuestionFileError

    folder = tmp_path / "queries"
    (folder / "for-one-patient").mkdir(parents=True)
    shutil.copy(QUERIES_DIR / "patients.rq", folder / "patients.rq")
    variant = (QUERIES_DIR / "for-one-patient" / "patients.rq").read_text(encoding="utf-8")
    assert change(variant) != variant
    (folder / "for-one-patient" / "patients.rq").write_text(change(variant), encoding="utf-8")
    with pytest.raises(QuestionFileError, match=re.escape(refusal)):
        catalogue(folder)
