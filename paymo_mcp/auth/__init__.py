"""Multi-user mode: Paymo-key sign-in behind OAuth 2.1 (the server is the authorization server)."""
