"""The dashboard `escalator run` serves: a Starlette app (app.py) on uvicorn in a thread
(server.py). Pages in pages.py, health in health.py, the token and Host checks in auth.py,
the pages of signed action links in actions.py.
"""

from escalator.web.server import Dashboard, start_dashboard

__all__ = ["Dashboard", "start_dashboard"]
