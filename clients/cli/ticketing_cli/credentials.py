"""Tokens kept after `ticketing login`, one entry per API base URL, in a file only the user can read.

The file is `<config dir>/credentials.json`, the config dir being $TICKETING_CONFIG_DIR or the
platform's user config dir for "ticketing" (`~/.config/ticketing` on Linux).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from platformdirs import user_config_dir

CONFIG_DIR_VARIABLE = "TICKETING_CONFIG_DIR"


def config_dir() -> Path:
    configured = os.environ.get(CONFIG_DIR_VARIABLE)
    return Path(configured) if configured else Path(user_config_dir("ticketing", appauthor=False))


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


@dataclass
class Session:
    email: str
    access_token: str
    refresh_token: str | None
    expires_at: float  # Unix time the access token stops working

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at - 30


def _read_all() -> dict:
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_all(data: dict) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Written to a private temporary file and renamed: never readable by others, never half written.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".credentials-", suffix=".json")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def load(api: str) -> Session | None:
    entry = _read_all().get(api.rstrip("/"))
    if not isinstance(entry, dict):
        return None
    try:
        return Session(**entry)
    except TypeError:
        return None


def save(api: str, session: Session) -> None:
    data = _read_all()
    data[api.rstrip("/")] = asdict(session)
    _write_all(data)


def forget(api: str) -> bool:
    data = _read_all()
    found = data.pop(api.rstrip("/"), None) is not None
    if found:
        _write_all(data)
    return found
