"""The catalog: every Paymo resource the server knows, one declaration each, and the toolsets they make.

Everything else (tools, watch table, resource URIs, toolsets, wrong-id hints) is derived from here.
"""

from paymo_mcp.catalog.resources import BY_NAME, RESOURCES
from paymo_mcp.catalog.spec import Endpoint, Records, ResourceSpec

__all__ = ["BY_NAME", "RESOURCES", "Endpoint", "Records", "ResourceSpec"]
