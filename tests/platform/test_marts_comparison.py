"""The engine comparison itself must catch a changed value and ignore only the build's clock."""

from datetime import datetime

from tests.platform.marts_comparison import table_differences

BUILT = datetime(2026, 11, 23, 10)


def test_comparison_reports_a_changed_score_and_ignores_build_clock_and_float_noise():
    duck = (["contact_id", "score", "scored_at"], [("c1", 1.0, datetime(2026, 11, 23, 11)), ("c2", 2, None)])
    same = (
        ["contact_id", "score", "scored_at"],
        [("c1", 1.0000000001, datetime(2026, 11, 23, 12)), ("c2", 2, None)],
    )
    changed = (
        ["contact_id", "score", "scored_at"],
        [("c1", 1.0, datetime(2026, 11, 23, 12)), ("c2", 3, None)],
    )
    assert table_differences(duck, same, BUILT) == []
    diff = table_differences(duck, changed, BUILT)
    assert "only left:  ('c2', 2.0)" in diff and "only right: ('c2', 3.0)" in diff


def test_comparison_treats_old_timestamps_as_data_and_reports_missing_columns():
    old = (["contact_id", "first_seen_at"], [("c1", datetime(2026, 10, 1))])
    moved = (["contact_id", "first_seen_at"], [("c1", datetime(2026, 10, 2))])
    assert table_differences(old, moved, BUILT) != []
    assert table_differences(old, (["contact_id"], [("c1",)]), BUILT) == ["columns differ: ['first_seen_at']"]
