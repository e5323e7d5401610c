"""Admins appoint organizers: an existing account joins the Cognito group `organizer` (its next token
carries the role) and is listed with the date it was appointed."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ticketing import db
from ticketing.auth import ORGANIZER_GROUP, roles_of
from ticketing.aws import client
from ticketing.config import settings
from ticketing.domain.email import email_for_lookup
from ticketing.errors import NotFound
from ticketing.paging import decode_cursor, page, parse_limit
from ticketing.times import utc_text

_APPOINT = """
    UPDATE users SET organizer_since = now()
     WHERE email = %(email)s AND organizer_since IS NULL
    RETURNING id
"""
_ORGANIZERS = """
    SELECT id, email, name, organizer_since FROM users
     WHERE organizer_since IS NOT NULL
       AND (%(after)s::timestamptz IS NULL OR (organizer_since, id) > (%(after)s, %(after_id)s::uuid))
     ORDER BY organizer_since, id
     LIMIT %(limit)s
"""


class Appointed(dict):
    """The account's {email, roles}; `created` when this call made it an organizer (201), else 200."""

    def __init__(self, document: dict, created: bool) -> None:
        super().__init__(document)
        self.created = created


def appoint(email: str) -> Appointed:
    """POST /organizers: the account with this e-mail becomes an organizer. 404 when there is none."""
    address = email_for_lookup(email)
    if db.fetch_one("SELECT id FROM users WHERE email = %s", (address,)) is None:
        raise NotFound("No account with this e-mail")
    cfg = settings()
    cognito = client("cognito-idp")
    try:
        # Adding a member twice is fine: a retry after a failure below repairs the group first.
        cognito.admin_add_user_to_group(
            UserPoolId=cfg.user_pool_id, Username=address, GroupName=ORGANIZER_GROUP
        )
        groups = cognito.admin_list_groups_for_user(UserPoolId=cfg.user_pool_id, Username=address)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "UserNotFoundException":
            raise NotFound("No account with this e-mail") from None
        raise
    created = db.fetch_one(_APPOINT, {"email": address}) is not None
    names = [group["GroupName"] for group in groups.get("Groups", [])]
    return Appointed({"email": address, "roles": roles_of(names)}, created)


def organizer_document(row: dict) -> dict:
    return {
        "id": str(row["id"]),
        "email": row["email"],
        "name": row["name"],
        "roles": roles_of([ORGANIZER_GROUP]),
        "organizer_since": utc_text(row["organizer_since"]),
    }


def list_organizers(limit: int | None, cursor: str | None) -> dict:
    """GET /organizers: the appointed organizers, oldest appointment first."""
    size = parse_limit(limit)
    after = decode_cursor(cursor)
    rows = db.fetch_all(
        _ORGANIZERS,
        {"after": after[0] if after else None, "after_id": after[1] if after else None, "limit": size + 1},
    )
    result = page(rows, size, ["organizer_since", "id"])
    result["items"] = [organizer_document(row) for row in result["items"]]
    return result
