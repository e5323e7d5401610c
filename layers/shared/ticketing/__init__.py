"""Shared code of the ticketing Lambda functions: domain rules, services, database access, AWS clients."""
