"""One model per concept: what crosses from the library to the API is the library's own frozen records, documented
in OpenAPI field for field, and api/ declares no second model of its own for any of them."""

import dataclasses
import importlib
import inspect
import pkgutil

import pytest
from pydantic import BaseModel

import api
from api.app import create_app
from kg.build.phenopackets import Loss
from kg.clinical import salvage_model
from kg.clinical.patients import PatientSummary, Timeline, TimelineEvent
from kg.clinical.similar.search import AlignedStep, Hit, NextEvent, Similar
from kg.clinical.sources import Source

RECORDS = [Source, PatientSummary, TimelineEvent, Timeline, Similar, Hit, AlignedStep, NextEvent, Loss,
           *(record for _, record in inspect.getmembers(salvage_model, dataclasses.is_dataclass)
             if record.__module__ == salvage_model.__name__)]


@pytest.fixture(scope="module")
def schemas() -> dict:
    return create_app().openapi()["components"]["schemas"]


# A record the API extends with its own links only, under the name it is documented by.
EXTENDED = {PatientSummary: ("LinkedPatient", {"timeline"})}


@pytest.mark.parametrize("record", RECORDS, ids=[record.__name__ for record in RECORDS])
def test_openapi_documents_each_library_record_field_for_field(record, schemas):
    name, links = EXTENDED.get(record, (record.__name__, set()))
    assert {field.name for field in dataclasses.fields(record)} | links == set(schemas[name]["properties"])


def test_field_descriptions_come_from_the_records_docstrings(schemas):
    assert schemas["Source"]["properties"]["pmid"]["description"] == "Its PubMed id, where the graph holds no DOI"
    assert "strongest evidence" in schemas["Option"]["properties"]["best_design"]["description"]
    assert schemas["Indirectness"]["properties"]["applies"]["description"].startswith("Whether it sets the study")
    assert "silent" in schemas["CaseEvidence"]["properties"]["response"]["description"]  # through Cited


def _api_models():
    for module in pkgutil.iter_modules(api.__path__, "api."):
        for _, model in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(model, BaseModel) and model.__module__ == module.name:
                yield model


def test_no_api_model_repeats_a_library_record():
    shapes = {frozenset(field.name for field in dataclasses.fields(record)): record for record in RECORDS}
    repeated = {model.__name__: shapes[frozenset(model.model_fields)].__name__ for model in _api_models()
                if frozenset(model.model_fields) in shapes}
    assert repeated == {}
    assert not any(model.__name__ == "Source" for model in _api_models())
