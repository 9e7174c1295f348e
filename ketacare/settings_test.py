"""Settings for the test suite: ketacare.settings in test mode.

Set through the environment before the main settings read it, so tests exercise
the same settings code a clinic runs.
"""

import os

os.environ.setdefault("KETACARE_TESTING", "true")
# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses
# to run inside one unless told the test is deliberately synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from ketacare.settings import *  # noqa: E402, F403

# A file, not memory, for the SQLite test database: tests that run several workers in
# threads need real concurrent connections, as in production.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")  # noqa: F405
    }
