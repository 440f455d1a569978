"""The ranked salvage answer is the same from its three faces: Python in process, the CLI as a subprocess, and
/salvage-options on a live server (the API documents the library's own records: tests/api/test_api_models.py)."""

import json
import subprocess

from conftest import EXE

from kg import salvage_options

ASKED = {"lost": "CD19", "expressed": "CD22", "prior": ["CAR-T"], "age_group": "child"}


def test_python_cli_and_http_give_the_same_answer(graph, http):
    python = json.loads(json.dumps(salvage_options(**ASKED, graph=graph).to_dict()))
    cli = subprocess.run([EXE, "salvage-options", "--lost", "CD19", "--expressed", "CD22", "--prior", "CAR-T",
                          "--age-group", "child", "--format", "json"],
                         capture_output=True, text=True, timeout=300, check=True)
    over_http = http.get("/salvage-options", params={"lost_antigen": "CD19", "expressed": "CD22", "prior": "CAR-T",
                                                     "age_group": "child"})
    assert over_http.status_code == 200
    assert json.loads(cli.stdout) == python
    assert over_http.json() == python
    assert python["options"] and python["avoid"]


def test_cli_table_names_the_options_the_avoid_list_and_the_disclaimer():
    shown = subprocess.run([EXE, "salvage-options", "--lost", "CD19", "--expressed", "CD22"],
                           capture_output=True, text=True, timeout=300, check=True).stdout
    assert "1. " in shown and "inotuzumab ozogamicin" in shown
    assert "- avoid: blinatumomab" in shown
    assert "Evidence, not advice" in shown


def test_cli_refuses_an_unknown_antigen_with_the_accepted_names():
    refused = subprocess.run([EXE, "salvage-options", "--lost", "CD20"], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2
    assert "'CD20' is not a known sk:Antigen (did you mean 'CD22'?); accepted: " in refused.stderr
    assert "CD19" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_http_refusals_name_the_route_parameter(http):
    response = http.get("/salvage-options", params={"lost_antigen": "CD20"})
    assert response.status_code == 422
    assert response.json()["message"].startswith("parameter lost_antigen: 'CD20' is not a known sk:Antigen")
    too_many = http.get("/salvage-options", params=[("lost_antigen", "CD19")] + [("prior", "CAR-T")] * 21)
    assert too_many.status_code == 422 and "at most 20" in too_many.json()["message"]
    too_long = http.get("/salvage-options", params={"lost_antigen": "CD19", "prior": "x" * 5000})
    assert too_long.status_code == 422 and "x" * 300 not in too_long.json()["message"]


def test_openapi_documents_the_answer_with_an_example(http):
    spec = http.get("/openapi.json").json()
    operation = spec["paths"]["/salvage-options"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {"lost_antigen", "expressed", "prior",
                                                                            "age_group"}
    answer = spec["components"]["schemas"]["SalvageAnswer"]
    assert {"options", "avoid", "ranking", "disclaimer", "query"} <= set(answer["properties"])
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example["avoid"][0]["level"] == "avoid"
    assert "study_results" in spec["components"]["schemas"]["Option"]["properties"]
