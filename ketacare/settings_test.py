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
