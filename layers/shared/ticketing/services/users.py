"""Sign-up, sign-in and profiles. Cognito holds the password; PostgreSQL holds the profile and CPF."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from ticketing import db
from ticketing.auth import ADMIN_GROUP, ORGANIZER_GROUP, Caller
from ticketing.aws import client
from ticketing.config import settings
from ticketing.domain.cpf import is_valid_cpf, normalize_cpf
from ticketing.domain.email import EmailRefused, email_for_lookup, normalise_email
from ticketing.errors import EmailTaken, NotFound, Unauthorized, ValidationFailed


def password_problems(password: str) -> list[str]:
    """What the user pool's password policy would reject (min 8, upper, lower, digit, symbol)."""
    problems = []
    if len(password) < 8:
        problems.append("at least 8 characters")
    if not re.search(r"[a-z]", password):
        problems.append("a lower-case letter")
    if not re.search(r"[A-Z]", password):
        problems.append("an upper-case letter")
    if not re.search(r"\d", password):
        problems.append("a digit")
    if not re.search(r"[^A-Za-z0-9]", password):
        problems.append("a symbol")
    return problems


def _cognito_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def sign_up(email: str, password: str, name: str, cpf: str) -> dict:
    """Create a buyer: a Cognito user (confirmed) and a profile row. 409 email-taken when it exists."""
    errors = []
    try:
        email = normalise_email(email)
    except EmailRefused as exc:
        errors.append({"field": "email", "message": str(exc)})
    if not name.strip():
        errors.append({"field": "name", "message": "must not be blank"})
    if not is_valid_cpf(cpf):
        errors.append({"field": "cpf", "message": "not a valid CPF (check digits)"})
    weak = password_problems(password)
    if weak:
        errors.append({"field": "password", "message": "the password needs " + ", ".join(weak)})
    if errors:
        raise ValidationFailed(errors)

    row = db.fetch_one(
        "INSERT INTO users (email, name, cpf) VALUES (%s, %s, %s) ON CONFLICT (email) DO NOTHING RETURNING id",
        (email, name.strip(), normalize_cpf(cpf)),
    )
    if row is None:
        raise EmailTaken("An account with this e-mail already exists")
    cfg = settings()
    cognito = client("cognito-idp")
    try:
        created = cognito.sign_up(
            ClientId=cfg.user_pool_client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name.strip()}],
        )
        cognito.admin_confirm_sign_up(UserPoolId=cfg.user_pool_id, Username=email)
    except ClientError as exc:
        db.fetch_one("DELETE FROM users WHERE id = %s AND cognito_sub IS NULL RETURNING id", (row["id"],))
        code = _cognito_code(exc)
        if code == "UsernameExistsException":
            raise EmailTaken("An account with this e-mail already exists") from None
        if code == "InvalidPasswordException":
            raise ValidationFailed.field("password", "the password does not meet the policy") from None
        if code == "InvalidParameterException":
            raise ValidationFailed.field("email", "rejected by the identity provider") from None
        raise
    db.fetch_one(
        "UPDATE users SET cognito_sub = %s WHERE id = %s RETURNING id", (created["UserSub"], row["id"])
    )
    return {"id": str(row["id"]), "email": email, "name": name.strip()}


def issue_token(email: str | None, password: str | None, refresh_token: str | None) -> dict:
    """The password grant or the refresh grant of POST /auth/token."""
    cfg = settings()
    cognito = client("cognito-idp")
    if refresh_token:
        flow, params = "REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token}
    elif email and password:
        try:
            username = normalise_email(email)
        except EmailRefused as exc:
            raise ValidationFailed.field("email", str(exc)) from None
        flow, params = "USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password}
    else:
        missing = [f for f, v in (("email", email), ("password", password)) if not v]
        raise ValidationFailed([{"field": f, "message": "required (or send refresh_token)"} for f in missing])
    try:
        result = cognito.initiate_auth(AuthFlow=flow, ClientId=cfg.user_pool_client_id, AuthParameters=params)
    except ClientError as exc:
        if _cognito_code(exc) in {
            "NotAuthorizedException",
            "UserNotFoundException",
            "UserNotConfirmedException",
            "PasswordResetRequiredException",
            "ResourceNotFoundException",
        }:
            raise Unauthorized(
                "Wrong e-mail or password" if not refresh_token else "Invalid refresh token"
            ) from None
        raise
    auth = result.get("AuthenticationResult") or {}
    if "AccessToken" not in auth:
        raise Unauthorized("Additional sign-in steps are required")
    token = {
        "access_token": auth["AccessToken"],
        "expires_in": int(auth.get("ExpiresIn", 3600)),
        "token_type": "Bearer",
    }
    if not refresh_token:
        token["refresh_token"] = auth.get("RefreshToken")
    return token


def profile(caller: Caller) -> dict:
    """GET /users/me. A profile whose Cognito link was never written is linked here by e-mail."""
    row = db.fetch_one("SELECT id, email, name, cpf FROM users WHERE cognito_sub = %s", (caller.sub,))
    if row is None and caller.username:
        row = db.fetch_one(
            "UPDATE users SET cognito_sub = %s WHERE email = %s AND cognito_sub IS NULL"
            " RETURNING id, email, name, cpf",
            (caller.sub, email_for_lookup(caller.username)),
        )
    if row is None:
        raise NotFound("This account has no profile")
    return {
        "id": str(row["id"]),
        "email": row["email"],
        "name": row["name"],
        "cpf": row["cpf"],
        "roles": caller.roles,
    }


def ensure_organizer(email: str, password: str, name: str = "Organizer") -> dict:
    """Create (or repair) the organizer account: confirmed, in the organizer group, with a profile."""
    return ensure_account(email, password, name, ORGANIZER_GROUP)


def ensure_admin(email: str, password: str, name: str = "Admin") -> dict:
    """Create (or repair) the local admin account: confirmed, in the admin group, with a profile."""
    return ensure_account(email, password, name, ADMIN_GROUP)


def ensure_account(email: str, password: str, name: str, group: str) -> dict:
    """An account of the local run (idempotent): confirmed, with this password, in `group`, with a profile."""
    cfg = settings()
    cognito = client("cognito-idp")
    email = normalise_email(email)
    try:
        cognito.sign_up(
            ClientId=cfg.user_pool_client_id,
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}, {"Name": "name", "Value": name}],
        )
        cognito.admin_confirm_sign_up(UserPoolId=cfg.user_pool_id, Username=email)
    except ClientError as exc:
        if _cognito_code(exc) != "UsernameExistsException":
            raise
        cognito.admin_set_user_password(
            UserPoolId=cfg.user_pool_id, Username=email, Password=password, Permanent=True
        )
    user = cognito.admin_get_user(UserPoolId=cfg.user_pool_id, Username=email)
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    cognito.admin_add_user_to_group(UserPoolId=cfg.user_pool_id, Username=email, GroupName=group)
    row = db.fetch_one(
        "INSERT INTO users (email, name, cognito_sub, organizer_since) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (email) DO UPDATE SET cognito_sub = EXCLUDED.cognito_sub,"
        " organizer_since = COALESCE(users.organizer_since, EXCLUDED.organizer_since) RETURNING id",
        (email, name, sub, datetime.now(UTC) if group == ORGANIZER_GROUP else None),
    )
    return {"id": str(row["id"]), "email": email, "name": name}
