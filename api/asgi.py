"""ASGI entry point for production servers: `uvicorn api.asgi:app` (settings from the environment)."""

from api.app import create_app
from api.logging_setup import configure_logging
from api.orphans import end_with_supervisor
from api.settings import get_settings

end_with_supervisor()  # a worker of `guildhall serve --workers N` never outlives it

# Imported by uvicorn after it set up its own logging: take it over so every line, access
# lines included, carries the request id.
configure_logging(get_settings().debug, get_settings().log_format)
app = create_app()
