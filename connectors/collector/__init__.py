"""The collector: an HTTP service that lands pushed data (WeChat callbacks, form webhooks, tracking events).

Every accepted request is appended to a file under $YUCHI_HOME/landing/<channel>/ and fsynced before the collector
answers 2xx, so an acknowledged record survives a crash of the process or the machine. The files follow the landing
contract the ingest loader reads (docs/collector.md). Knows nothing of Dagster: the landing-file sensor in
orchestration/ingest/sensors.py hands closed files to the ingest assets.
"""
