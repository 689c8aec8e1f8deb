from pathlib import Path

from connectors.sources.channel_docs import render


def test_documented_landing_contract_is_the_enforced_one():
    documented = (Path(__file__).resolve().parents[2] / "docs" / "channels.md").read_text(encoding="utf-8")
    assert documented == render(), "regenerate: python -m connectors.sources.channel_docs > docs/channels.md"
