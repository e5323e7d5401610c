"""Scheduled: delete the fiscal records of deleted accounts once their retain_until has passed."""

from ticketing.observability import batch_job
from ticketing.services import personal_data


def purge_fiscal_records(time_budget_seconds: float) -> dict[str, int]:
    return {"purged": personal_data.purge_expired_fiscal_records(time_budget_seconds=time_budget_seconds)}


lambda_handler = batch_job(purge_fiscal_records, "purged fiscal records past retain_until")
