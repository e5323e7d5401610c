"""Forgotten passwords: Cognito's forgot-password flow. In AWS Cognito e-mails the code itself; the local
run's Cognito (moto) e-mails nothing, so the code it hands back goes to the local mailbox (SES in moto)."""

from __future__ import annotations

import logging

from botocore.exceptions import ClientError

from ticketing.aws import client
from ticketing.config import settings
from ticketing.domain.email import EmailRefused, normalise_email
from ticketing.errors import Unauthorized, ValidationFailed
from ticketing.services import outbox
from ticketing.services.users import password_problems

log = logging.getLogger(__name__)

# moto answers ForgotPassword with the code in this response header, and checks only codes with its prefix.
MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"
MOTO_CODE_PREFIX = "moto-confirmation-code:"
# What ForgotPassword may answer for an address that cannot get a code: the caller is told nothing either way.
_SILENT = {
    "UserNotFoundException",
    "NotAuthorizedException",
    "LimitExceededException",
    "ResourceNotFoundException",
}
_WRONG_CODE = {
    "CodeMismatchException",
    "ExpiredCodeException",
    "UserNotFoundException",
    "NotAuthorizedException",
    "ResourceNotFoundException",
    "LimitExceededException",
    "TooManyFailedAttemptsException",
}


def _code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def _address(email: str) -> str:
    try:
        return normalise_email(email)
    except EmailRefused as exc:
        raise ValidationFailed.field("email", str(exc)) from None


def request_reset(email: str) -> None:
    """POST /auth/password-reset: a code goes to the account's e-mail, if there is such an account; the
    answer is the same either way (no account enumeration)."""
    address = _address(email)
    cfg = settings()
    cognito = client("cognito-idp")
    try:
        answer = _forgot_password(cognito, cfg, address)
    except ClientError as exc:
        if _code(exc) not in _SILENT:
            raise
        log.info("password reset not started", extra={"reason": _code(exc)})
        return
    if cfg.stage == "local":
        _mail_local_code(address, answer)


def _forgot_password(cognito, cfg, address: str) -> dict:
    try:
        return cognito.forgot_password(ClientId=cfg.user_pool_client_id, Username=address)
    except ClientError as exc:
        # Accounts signed up before e-mails were marked verified: the address is the username the account
        # signed in with, so the code goes where it always would; mark it and ask again.
        if _code(exc) != "InvalidParameterException":
            raise
    cognito.admin_update_user_attributes(
        UserPoolId=cfg.user_pool_id,
        Username=address,
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    return cognito.forgot_password(ClientId=cfg.user_pool_client_id, Username=address)


def _mail_local_code(address: str, answer: dict) -> None:
    code = (answer.get("ResponseMetadata", {}).get("HTTPHeaders") or {}).get(MOTO_CODE_HEADER) or ""
    if not code.startswith(MOTO_CODE_PREFIX):
        return  # no such account: moto made no code
    outbox.send_email(
        {
            "to": address,
            "subject": "Seu código para criar uma nova senha",
            "text": (
                "Olá.\n\n"
                f"Seu código para criar uma nova senha é {code.removeprefix(MOTO_CODE_PREFIX)}.\n"
                "Se você não pediu uma nova senha, ignore esta mensagem: a senha atual continua valendo.\n"
            ),
        }
    )


def confirm_reset(email: str, code: str, new_password: str) -> None:
    """POST /auth/password-reset/confirm: the new password, if the code is the one e-mailed. 422 for a weak
    password; 401 for a wrong, used or expired code (or no such account: the same answer)."""
    address = _address(email)
    weak = password_problems(new_password)
    if weak:
        raise ValidationFailed.field("new_password", "the password needs " + ", ".join(weak))
    code = code.strip()
    if not code:
        raise ValidationFailed.field("code", "must not be blank")
    cfg = settings()
    if cfg.stage == "local" and not code.startswith(MOTO_CODE_PREFIX):
        code = MOTO_CODE_PREFIX + code
    cognito = client("cognito-idp")
    try:
        cognito.confirm_forgot_password(
            ClientId=cfg.user_pool_client_id, Username=address, ConfirmationCode=code, Password=new_password
        )
    except ClientError as exc:
        if _code(exc) == "InvalidPasswordException":
            raise ValidationFailed.field("new_password", "the password does not meet the policy") from None
        if _code(exc) in _WRONG_CODE:
            raise Unauthorized("Wrong or expired code") from None
        raise
    # Sessions that started with the old password end (their refresh tokens stop working).
    cognito.admin_user_global_sign_out(UserPoolId=cfg.user_pool_id, Username=address)
