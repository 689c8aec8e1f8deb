"""SQL text for DuckDB statements built in Python: string literals and quoted identifiers.

Below both the identifier normalisers (connectors/identifiers.py) and the contract's SQL validation
(connectors/sources/sql_validation.py), which build SQL from values they do not control.
"""

from __future__ import annotations


def literal(text: str | None) -> str:
    """Gives a SQL string literal (null for None)."""
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """Gives a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'
