"""Request bodies of the HTTP API as pydantic models: validation and the OpenAPI spec come from them."""
