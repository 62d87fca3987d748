"""The HTTP API: FastAPI routers, API-key auth per tenant and role, problem+json errors."""
