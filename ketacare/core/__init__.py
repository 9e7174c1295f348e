"""Pure clinical knowledge: no Django, no apps, no clock, no I/O.

Everything here takes plain values (dataclasses, enums, numbers) and returns
plain values. Time comes in as an argument. An import-linter contract in
pyproject.toml keeps it that way.
"""
