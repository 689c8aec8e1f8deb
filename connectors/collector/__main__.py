"""`python -m connectors.collector` runs the collector (what `make collector` calls)."""

from connectors.collector.server import main

main()
