"""Hypothesis budgets: a fixed, derandomized "ci" run by default, "long" on demand.

Choose with HYPOTHESIS_PROFILE=long or pytest --hypothesis-profile=long.
"""

import os

from hypothesis import settings

# A real PostgreSQL server (postgres.py): postgres_dsn per session, postgres_db per test.
from postgres import postgres_db, postgres_dsn  # noqa: F401

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True)
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Each store scenario on SQLite and on PostgreSQL (stores.py): store_target, opener.
from stores import opener, store_target  # noqa: E402, F401
