"""Builds the MCPServer: lifespan (one Paymo client), tool registration, resources, HTTP app."""
