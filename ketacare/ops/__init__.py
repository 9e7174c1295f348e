"""Running ketacare in production: backups and the application's database role.

No models and no URLs: management commands for whoever operates the server.
"""
