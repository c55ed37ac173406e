"""The HTTP service (FastAPI) over the engine and the store."""
