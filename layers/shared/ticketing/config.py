"""Configuration read once from environment variables (set by template.yaml in AWS, by the local runtime here)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    stage: str
    database_url: str | None
    db_host: str | None
    db_port: int
    db_name: str
    db_user: str | None
    db_iam_auth: bool
    db_pool_min: int
    db_pool_max: int
    db_connect_timeout: float
    db_pool_wait: float
    user_pool_id: str | None
    user_pool_client_id: str | None
    cognito_issuer: str | None
    cognito_jwks_url: str | None
    paid_orders_topic_arn: str | None
    documents_bucket: str | None
    images_bucket: str | None
    images_base_url: str | None
    payment_webhook_secret: str | None
    payment_webhook_secret_arn: str | None
    mail_sender: str
    cors_allowed_origins: tuple[str, ...]
    aws_region: str
    pix_key: str
    merchant_name: str
    merchant_city: str
    boleto_bank: str
    waiting_room_table: str | None
    admission_secret_arn: str | None
    admission_secret: str | None
    pix_api_url: str | None
    pix_token_url: str | None
    pix_client_id: str
    pix_client_secret: str
    pix_provider_secret_arn: str | None
    pix_webhook_secret: str | None
    pix_webhook_secret_arn: str | None


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ
    return Settings(
        stage=env.get("STAGE", "local"),
        database_url=env.get("DATABASE_URL") or None,
        db_host=env.get("DB_HOST") or None,
        db_port=int(env.get("DB_PORT", "5432")),
        db_name=env.get("DB_NAME", "ticketing"),
        db_user=env.get("DB_USER") or None,
        db_iam_auth=_bool(env.get("DB_IAM_AUTH")),
        db_pool_min=int(env.get("DB_POOL_MIN", "1")),
        db_pool_max=int(env.get("DB_POOL_MAX", "2")),
        db_connect_timeout=float(env.get("DB_CONNECT_TIMEOUT", "3")),
        # How long a request waits for a pooled connection once the pool has served one: then 503.
        db_pool_wait=float(env.get("DB_POOL_WAIT_SECONDS", "1")),
        user_pool_id=env.get("USER_POOL_ID") or None,
        user_pool_client_id=env.get("USER_POOL_CLIENT_ID") or None,
        cognito_issuer=env.get("COGNITO_ISSUER") or None,
        cognito_jwks_url=env.get("COGNITO_JWKS_URL") or None,
        paid_orders_topic_arn=env.get("PAID_ORDERS_TOPIC_ARN") or None,
        documents_bucket=env.get("DOCUMENTS_BUCKET") or None,
        images_bucket=env.get("IMAGES_BUCKET") or None,
        images_base_url=(env.get("IMAGES_BASE_URL") or "").rstrip("/") or None,
        payment_webhook_secret=env.get("PAYMENT_WEBHOOK_SECRET") or None,
        payment_webhook_secret_arn=env.get("PAYMENT_WEBHOOK_SECRET_ARN") or None,
        mail_sender=env.get("MAIL_SENDER", "no-reply@ticketing.example.com"),
        cors_allowed_origins=tuple(o for o in env.get("CORS_ALLOWED_ORIGINS", "").split(",") if o),
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        pix_key=env.get("PIX_KEY", "pagamentos@ticketing.example.com"),
        merchant_name=env.get("MERCHANT_NAME", "Ticketing Eventos"),
        merchant_city=env.get("MERCHANT_CITY", "SAO PAULO"),
        boleto_bank=env.get("BOLETO_BANK", "001"),
        waiting_room_table=env.get("WAITING_ROOM_TABLE") or None,
        admission_secret_arn=env.get("ADMISSION_SECRET_ARN") or None,
        admission_secret=env.get("ADMISSION_SECRET") or None,
        # API Pix (issue 20): the provider from the environment locally, from Secrets Manager in AWS.
        pix_api_url=env.get("PIX_API_URL") or None,
        pix_token_url=env.get("PIX_TOKEN_URL") or None,
        pix_client_id=env.get("PIX_CLIENT_ID", "local-pix-client"),
        pix_client_secret=env.get("PIX_CLIENT_SECRET", "local-pix-client-secret"),
        pix_provider_secret_arn=env.get("PIX_PROVIDER_SECRET_ARN") or None,
        pix_webhook_secret=env.get("PIX_WEBHOOK_SECRET") or None,
        pix_webhook_secret_arn=env.get("PIX_WEBHOOK_SECRET_ARN") or None,
    )


def reload_settings() -> Settings:
    """Forget the cached settings (tests and the local runtime change the environment)."""
    settings.cache_clear()
    return settings()
