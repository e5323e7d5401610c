"""Platform routes through the local runtime: health, sign-up, tokens, profile, auth errors as problem+json."""

from __future__ import annotations

import base64
import json
import secrets

from http_problems import EVENT_DRAFT, assert_problem


def test_health_checks_the_database(api):
    response = api.get("/health")
    assert response.status == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers.get("x-correlation-id")


def test_sign_up_sign_in_refresh_and_profile(api):
    email = f"ana-{secrets.token_hex(4)}@example.com"
    created = api.post(
        "/users",
        json={"email": email, "password": "Senha-forte-1", "name": "Ana Souza", "cpf": "529.982.247-25"},
    )
    assert created.status == 201, created.text
    assert created.json["email"] == email and created.json["name"] == "Ana Souza"
    assert "password" not in created.text

    token = api.post("/auth/token", json={"email": email, "password": "Senha-forte-1"})
    assert token.status == 200
    assert token.json["token_type"] == "Bearer" and token.json["expires_in"] > 0
    assert token.json["refresh_token"]

    me = api.get("/users/me", token=token.json["access_token"])
    assert me.status == 200
    assert me.json == {
        "id": created.json["id"],
        "email": email,
        "name": "Ana Souza",
        "cpf": "52998224725",
        "roles": ["buyer"],
    }

    refreshed = api.post("/auth/token", json={"refresh_token": token.json["refresh_token"]})
    assert refreshed.status == 200
    assert api.get("/users/me", token=refreshed.json["access_token"]).status == 200

    assert_problem(
        api.post(
            "/users", json={"email": email, "password": "Senha-forte-1", "name": "Ana", "cpf": "52998224725"}
        ),
        409,
        "email-taken",
    )


def test_sign_up_validation_names_the_fields(api):
    body = assert_problem(
        api.post(
            "/users", json={"email": "not-an-email", "password": "weak", "name": "X", "cpf": "123.456.789-00"}
        ),
        422,
        "validation",
    )
    fields = {e["field"] for e in body["errors"]}
    assert {"email", "password", "cpf"} <= fields
    missing = assert_problem(api.post("/users", json={"email": "a@b.co"}), 422, "validation")
    assert {"password", "name", "cpf"} <= {e["field"] for e in missing["errors"]}
    assert_problem(
        api.post("/users", raw=b"{not json", headers={"content-type": "application/json"}), 400, "malformed"
    )


def test_wrong_credentials_and_bad_refresh_are_401(api):
    assert_problem(
        api.post("/auth/token", json={"email": "nobody@example.com", "password": "X-123456a"}),
        401,
        "unauthorized",
    )
    assert_problem(
        api.post("/auth/token", json={"refresh_token": "not-a-refresh-token"}), 401, "unauthorized"
    )


def test_organizer_has_the_organizer_role(api, organizer_token):
    me = api.get("/users/me", token=organizer_token)
    assert me.status == 200
    assert me.json["roles"] == ["buyer", "organizer"]


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["organizer"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def test_missing_bad_and_tampered_tokens_are_401_and_wrong_role_is_403(api, new_buyer):
    assert_problem(api.get("/users/me"), 401, "unauthorized")
    assert_problem(api.get("/users/me", token="garbage"), 401, "unauthorized")
    buyer = new_buyer()
    assert_problem(api.get("/users/me", token=_tamper(buyer.token)), 401, "unauthorized")
    none_alg = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    _, payload, _ = buyer.token.split(".")
    assert_problem(api.get("/users/me", token=f"{none_alg}.{payload}."), 401, "unauthorized")
    assert_problem(api.post("/events", token=buyer.token, json=EVENT_DRAFT), 403, "forbidden")


def test_unknown_route_is_a_404_problem(api):
    assert_problem(api.get("/no/such/route"), 404, "not-found")


def test_auth_is_checked_before_the_request_body(api, new_buyer):
    buyer = new_buyer()
    # a buyer with an invalid body on an organizer route: 403, not 422
    assert_problem(api.post("/events", token=buyer.token, json={"name": ""}), 403, "forbidden")
    assert_problem(
        api.post("/events", token=buyer.token, raw=b"{broken", headers={"content-type": "application/json"}),
        403,
        "forbidden",
    )
    # no token with an invalid body: 401, not 422
    assert_problem(api.post("/orders", json={"tickets": "nope"}), 401, "unauthorized")
    # signed in, invalid body: now the body is checked
    assert_problem(api.post("/orders", token=buyer.token, json={"tickets": "nope"}), 422, "validation")


def test_well_formed_json_that_is_not_an_object_is_422_naming_the_body(api):
    body = assert_problem(
        api.post("/users", raw=b"[1, 2]", headers={"content-type": "application/json"}), 422, "validation"
    )
    assert body["errors"][0]["field"] == "body"
