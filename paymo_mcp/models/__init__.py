"""Pydantic models, one module per Paymo resource: read (tolerant), create, update and list filters."""
