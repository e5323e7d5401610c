"""`ticketing`: the command-line client of the ticketing HTTP API (buyers and organizers)."""

__version__ = "0.1.0"
