"""The diff: what each sync mode plans against the last synced state, and when a plan is an anomaly."""

from __future__ import annotations

import pytest

from connectors.destinations.sync.destination import Destination
from connectors.destinations.sync.model import Action, InvalidRecord, Mode, idempotency_key, payload_hash
from connectors.destinations.sync.planner import AnomalyRule, SyncedState, plan_sync


class Echo(Destination):
    kind = "echo"
    modes = frozenset(Mode)

    def payload(self, profile):
        if not profile.get("email"):
            raise InvalidRecord("no email address")
        return {"email": profile["email"], "score": profile.get("score")}

    def send(self, action, changes):
        raise AssertionError("the planner never sends")


def profiles(n: int, score: int = 50, skip_email: frozenset = frozenset()):
    return [
        {"contact_id": f"c{i}", "email": None if i in skip_email else f"p{i}@x.cn", "score": score}
        for i in range(n)
    ]


def synced(n: int, score: int = 50, present: bool = True, status: str = "delivered"):
    return {
        f"c{i}": SyncedState(
            payload_hash({"email": f"p{i}@x.cn", "score": score}), f"ext{i}", present, 1, status
        )
        for i in range(n)
    }


def actions(plan):
    return {c.record_key: c.action for c in plan.changes}


def test_upsert_sends_only_new_and_changed_records():
    state = synced(8)
    members = profiles(10)
    members[3]["score"] = 99
    plan = plan_sync("s:echo", Mode.UPSERT, Echo(), members, state)
    assert actions(plan) == {"c3": Action.UPDATE, "c8": Action.CREATE, "c9": Action.CREATE}
    assert plan.unchanged == 7
    assert plan.changes[0].external_id in (None, "ext3")


def test_upsert_leaves_leavers_at_the_destination_but_counts_them():
    plan = plan_sync("s:echo", Mode.UPSERT, Echo(), profiles(6), synced(10))
    assert actions(plan) == {} and plan.leaving == 4 and plan.previously_present == 10


def test_mirror_removes_leavers_with_their_destination_ids():
    plan = plan_sync("s:echo", Mode.MIRROR, Echo(), profiles(8), synced(10))
    removals = [c for c in plan.changes if c.action == Action.REMOVE]
    assert sorted(c.record_key for c in removals) == ["c8", "c9"]
    assert sorted(c.external_id for c in removals) == ["ext8", "ext9"]


def test_insert_only_never_updates_and_update_only_never_creates():
    members = profiles(5, score=70)
    insert = plan_sync("s:echo", Mode.INSERT_ONLY, Echo(), members, synced(3))
    update = plan_sync("s:echo", Mode.UPDATE_ONLY, Echo(), members, synced(3))
    assert actions(insert) == {"c3": Action.CREATE, "c4": Action.CREATE}
    assert set(actions(update).values()) == {Action.UPDATE} and len(update.changes) == 5


def test_update_only_does_not_retry_a_record_the_destination_lacked_until_it_changes():
    state = synced(3, status="skipped", present=False)
    assert plan_sync("s:echo", Mode.UPDATE_ONLY, Echo(), profiles(3), state).changes == []
    assert len(plan_sync("s:echo", Mode.UPDATE_ONLY, Echo(), profiles(3, score=51), state).changes) == 3


def test_delete_mode_deletes_members_once():
    state = {"c0": SyncedState("h", "ext0", False, 2, "delivered")}
    plan = plan_sync("s:echo", Mode.DELETE, Echo(), profiles(3), state)
    assert actions(plan) == {"c1": Action.DELETE, "c2": Action.DELETE}


def test_records_without_an_address_are_refused_with_the_reason_not_dropped():
    plan = plan_sync("s:echo", Mode.UPSERT, Echo(), profiles(4, skip_email=frozenset({2})), {})
    assert plan.invalid == [("c2", "no email address")] and len(plan.changes) == 3


def test_a_payload_the_destination_keeps_refusing_is_not_resent_until_it_changes():
    members = profiles(2)
    refused_hash = payload_hash({"email": "p1@x.cn", "score": 50})
    plan = plan_sync("s:echo", Mode.UPSERT, Echo(), members, {}, given_up={"c1": refused_hash})
    assert actions(plan) == {"c0": Action.CREATE} and plan.given_up == 1
    members[1]["score"] = 51
    assert "c1" in actions(
        plan_sync("s:echo", Mode.UPSERT, Echo(), members, {}, given_up={"c1": refused_hash})
    )


def test_idempotency_key_is_stable_across_reruns_and_differs_when_a_member_comes_back():
    first = plan_sync("s:echo", Mode.MIRROR, Echo(), profiles(1), {})
    again = plan_sync("s:echo", Mode.MIRROR, Echo(), profiles(1), {})
    assert first.changes[0].idempotency_key == again.changes[0].idempotency_key
    hashed = first.changes[0].payload_hash
    came_back = idempotency_key("s:echo", "c0", hashed, Action.CREATE, 2)
    assert came_back != first.changes[0].idempotency_key


def test_removing_more_than_30_percent_at_once_is_an_anomaly_but_small_segments_are_exempt():
    rule = AnomalyRule(max_removal_fraction=0.30, min_members=20)
    big = plan_sync("s:echo", Mode.MIRROR, Echo(), profiles(60), synced(100))
    ok = plan_sync("s:echo", Mode.MIRROR, Echo(), profiles(75), synced(100))
    small = plan_sync("s:echo", Mode.MIRROR, Echo(), profiles(2), synced(10))
    assert "40 of 100 synced members (40%)" in big.anomaly(rule)
    assert ok.anomaly(rule) is None and small.anomaly(rule) is None


def test_a_mode_the_destination_does_not_support_is_refused_by_name():
    class UpsertOnly(Echo):
        modes = frozenset({Mode.UPSERT})

    with pytest.raises(ValueError, match="does not support mode 'mirror'"):
        plan_sync("s:x", Mode.MIRROR, UpsertOnly(), profiles(1), {})


def test_a_member_listed_twice_is_an_error():
    with pytest.raises(ValueError, match="appears twice"):
        plan_sync("s:echo", Mode.UPSERT, Echo(), profiles(2) + profiles(1), {})
