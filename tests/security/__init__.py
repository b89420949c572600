"""Security tests: roles, tenant isolation, tokens, hostile input, limits, privacy."""
