"""Entry point of the `ticketing` command."""

from __future__ import annotations

from ticketing_cli import account, buying, catalog, organizer, queue, waitlist  # noqa: F401 - they register the commands
from ticketing_cli.common import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
