"""MCP tools: declarative resource specs turned into typed tools by one generator, plus api_call."""
