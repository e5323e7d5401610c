"""The schemathesis command line run as an outsider would run it, against the running API's /openapi.json:
every phase (examples, coverage: boundary values, unsupported methods and content types, missing headers;
fuzzing; stateful: links between operations) and every check, for anonymous, buyer and organizer, with a
time budget. No answer may be a 5xx, break the documented statuses, media types, headers or schemas, or
accept a request the schema forbids.

One check is left out: `positive_data_acceptance` (a request the schema allows must not be refused). The
API refuses some schema-valid requests by rules a JSON schema cannot say: an opaque cursor it did not
issue, a CPF whose check digits are wrong, a date in the past, an add-on listed twice."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MAX_SECONDS = 150  # per caller; the coverage phase alone covers every operation
ST = Path(sys.executable).with_name("st")


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "buyer", "organizer"])
def test_the_outside_fuzzer_finds_no_server_error(runtime, who, new_buyer, organizer_token, tmp_path):
    if not ST.exists() and shutil.which("st") is None:
        pytest.fail("the schemathesis command line (st) is not installed in this environment")
    token = {
        "anonymous": None,
        "buyer": new_buyer().token if who == "buyer" else None,
        "organizer": organizer_token,
    }[who]
    command = [
        str(ST if ST.exists() else shutil.which("st")),
        "run",
        f"{runtime.base_url}/openapi.json",
        "--phases=examples,coverage,fuzzing,stateful",
        "--checks=all",
        "--exclude-checks=positive_data_acceptance",
        "--max-examples=8",
        f"--max-time={MAX_SECONDS}",
        "--generation-deterministic",
        "--workers=1",
        "--request-timeout=15",
        "--no-color",
    ]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    done = subprocess.run(  # noqa: S603 - our own tool, our own arguments
        command, capture_output=True, text=True, timeout=MAX_SECONDS * 3, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
