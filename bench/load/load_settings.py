"""Bench-only settings: production ketacare plus one bare view (bench/load/load_urls.py).

Never used outside `make bench-load`; the production URLconf does not know this view.
"""

from ketacare.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
