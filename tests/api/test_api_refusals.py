"""Whatever a client sends to the read routes gets a 4xx JSON reason, never a 500, and the log records the refusal."""

import pytest
from server_helpers import log_since, log_size

LONG = "x" * 5000

# (method, raw path and query as sent, expected status, expected error kind)
REFUSALS = [
    ("GET", "/questions/no-such-question", 404, "unknown_question"),
    ("GET", "/questions/no-such-question?limit=0", 404, "unknown_question"),
    ("GET", "/questions/pathway-states?limit=0", 422, "invalid_parameter"),
    ("GET", "/questions/pathway-states?offset=-1", 422, "invalid_parameter"),
    ("GET", "/questions/salvage-options", 422, "invalid_parameter"),
    ("GET", "/questions/salvage-options?lost_antigen=CD19&colour=red", 422, "invalid_parameter"),
    ("GET", "/questions/salvage-options?lost_antigen=CD19&lost_antigen=CD22", 422, "invalid_parameter"),
    ("GET", f"/questions/salvage-options?lost_antigen={LONG}", 422, "invalid_parameter"),
    ("GET", "/questions/salvage-options?lost_antigen=%FF", 400, "invalid_encoding"),
    ("GET", "/questions/therapy-sequence?patient=%00", 422, "invalid_parameter"),
    ("GET", "/questions/therapy-sequence?patient=", 422, "invalid_parameter"),
    ("GET", "/questions/search-statements?text=" + "y" * 300, 422, "invalid_parameter"),
    ("GET", "/salvage-options", 422, "invalid_parameter"),
    ("GET", f"/salvage-options?lost_antigen={LONG}", 422, "invalid_parameter"),
    ("GET", "/salvage-options?lost_antigen=CD19&prior=" + "z" * 300, 422, "invalid_parameter"),
    ("GET", "/salvage-options?lost_antigen=CD19&expressed=%C3%28", 400, "invalid_encoding"),
    ("GET", "/salvage-options?lost_antigen=CD19&lost_antigen=CD22", 422, "invalid_parameter"),
    ("GET", "/salvage-options?lost_antigen=CD19&expressed=CD22&expressed=CD19", 422, "invalid_parameter"),
    ("GET", "/patients/nobody", 404, "unknown_patient"),
    ("GET", "/patients/%FF", 400, "invalid_encoding"),
    ("GET", f"/patients/{LONG}", 422, "invalid_parameter"),
    ("GET", "/patients/nobody/timeline", 404, "unknown_patient"),
    ("GET", "/patients/nobody/timeline.svg", 404, "unknown_patient"),
    ("GET", "/pathways?mode=sideways", 422, "invalid_parameter"),
    ("GET", "/pathways?min_count=abc", 422, "invalid_parameter"),
    ("GET", "/pathways?min_count=0", 422, "invalid_parameter"),
    ("GET", "/pathways?min_count=1000000000000000000000000000000", 422, "invalid_parameter"),
    ("GET", "/pathways?max_length=-1", 422, "invalid_parameter"),
    ("GET", "/pathways?max_length=2.5", 422, "invalid_parameter"),
    ("GET", "/pathways?min_count=1&min_count=5", 422, "invalid_parameter"),
    ("GET", "/pathways/sankey?mode=all&mode=first", 422, "invalid_parameter"),
    ("GET", "/pathways/sankey?mode=%FF", 400, "invalid_encoding"),
    ("GET", "/pathways/sankey?max_length=999", 422, "invalid_parameter"),
    ("GET", "/health?probe=%ED%A0%80", 400, "invalid_encoding"),
    ("GET", "/no/such/route", 404, "http_error"),
    ("POST", "/patients", 405, "http_error"),
    ("DELETE", "/questions/salvage-options?lost_antigen=CD19", 405, "http_error"),
    ("PUT", "/sparql", 405, "http_error"),
]


@pytest.mark.parametrize("method, target, status, error", REFUSALS, ids=[f"{r[0]} {r[1][:60]}" for r in REFUSALS])
def test_refused_with_a_reason_and_logged(server, http, method, target, status, error):
    offset = log_size(server)
    # The target goes out exactly as written: percent-escapes and all.
    response = http.request(method, target)
    assert response.status_code == status, response.text[:300]
    body = response.json()
    assert body["error"] == error and body["message"].strip()
    assert "Traceback" not in response.text
    logged = log_since(server, offset)
    assert f"-> {status} {error}: {body['message']}" in logged
    assert "Traceback" not in logged
