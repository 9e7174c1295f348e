"""Repository-level pytest set-up: runs before Django's settings are imported."""

import os

os.environ.setdefault("KETACARE_TESTING", "true")
# Playwright's sync API runs an event loop in the test thread; Django's ORM
# refuses to run inside one unless told the test is deliberately synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
