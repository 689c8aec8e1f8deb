"""The identity quality measure: pairwise precision and recall of identifier-to-person assignment."""

from __future__ import annotations

import pytest

from ml.identity.quality import measure


def test_wrong_merge_costs_precision_and_a_split_costs_recall():
    truth = {("email", "a"): "P1", ("phone", "1"): "P1", ("email", "b"): "P2", ("phone", "2"): "P2"}
    # P1 is one contact; P2's phone was merged into P1's contact; P2's email stands alone
    resolved = {("email", "a"): "c1", ("phone", "1"): "c1", ("phone", "2"): "c1", ("email", "b"): "c2"}
    records = {"r1": [("email", "a"), ("phone", "1")], "r2": [("email", "b"), ("phone", "2")]}
    quality = measure(truth, resolved, records)
    assert (quality.predicted_pairs, quality.true_pairs, quality.correct_pairs) == (3, 2, 1)
    assert quality.precision == pytest.approx(1 / 3)
    assert quality.recall == pytest.approx(1 / 2)
    assert quality.f1 == pytest.approx(0.4)


def test_reachable_recall_only_counts_pairs_some_records_connect():
    truth = {("email", "a"): "P1", ("phone", "1"): "P1", ("wechat_openid", "x:o1"): "P1"}
    resolved = {("email", "a"): "c1", ("phone", "1"): "c1", ("wechat_openid", "x:o1"): "c2"}
    # the OpenID never appeared on a record with the person's phone or email: no method can join it
    records = {"form": [("email", "a"), ("phone", "1")], "wechat": [("wechat_openid", "x:o1")]}
    quality = measure(truth, resolved, records)
    assert quality.recall == pytest.approx(1 / 3)
    assert quality.reachable_recall == 1.0


def test_junk_on_a_record_does_not_make_two_people_reachable():
    truth = {("email", "a"): "P1", ("email", "b"): "P2"}
    resolved = {("email", "a"): "c1", ("email", "b"): "c2"}
    records = {"r": [("email", "a"), ("email", "b"), ("phone", "junk")]}
    quality = measure(truth, resolved, records)
    assert quality.reachable_pairs == 0 and quality.precision == 1.0


def test_missed_pairs_are_told_by_identifier_types_and_by_whether_records_connect_them():
    truth = {
        ("email", "a"): "P1",
        ("phone", "1"): "P1",
        ("wechat_openid", "x:o1"): "P1",
        ("crm_id", "9"): "P1",
    }
    resolved = {
        ("email", "a"): "c1",
        ("phone", "1"): "c1",
        ("wechat_openid", "x:o1"): "c2",
        ("crm_id", "9"): "c3",
    }
    # the CRM lead carries the phone (stitching lost it); nothing ever carried the OpenID with another identifier
    records = {"form": [("email", "a"), ("phone", "1")], "crm": [("crm_id", "9"), ("phone", "1")]}
    quality = measure(truth, resolved, records)
    assert quality.missed_pairs_by_types == {
        "crm_id+email": 1, "crm_id+phone": 1, "crm_id+wechat_openid": 1, "email+wechat_openid": 1,
        "phone+wechat_openid": 1,
    }  # fmt: skip
    assert quality.no_evidence_pairs_by_types == {
        "crm_id+wechat_openid": 1, "email+wechat_openid": 1, "phone+wechat_openid": 1,
    }  # fmt: skip
    assert sum(quality.missed_pairs_by_types.values()) == quality.true_pairs - quality.correct_pairs
