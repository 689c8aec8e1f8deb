"""A realistic identity graph of a given size, for stitching benchmarks: people with several identifiers and
several records, each record carrying one to three of its person's identifiers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ID_TYPES = np.array(["phone", "email", "wechat_openid", "wechat_unionid", "anonymous_id", "crm_id"])
IDS_PER_PERSON = {
    "phone": 1,
    "email": 2,
    "wechat_openid": 2,
    "wechat_unionid": 1,
    "anonymous_id": 3,
    "crm_id": 1,
}


def identity_edges(n_edges: int, seed: int = 7) -> pa.Table:
    """Gives about n_edges (record_id, identifier_key) rows, with keys shaped like the warehouse's."""
    rng = np.random.default_rng(seed)
    n_people = max(1, n_edges // 8)
    slot_types = np.repeat(np.arange(len(ID_TYPES)), [IDS_PER_PERSON[t] for t in ID_TYPES])
    slots = len(slot_types)
    # each person owns some of the identifier slots (always a phone or an email)
    owned = rng.random((n_people, slots)) < np.array([0.9, 0.8, 0.3, 0.5, 0.2, 0.35, 0.6, 0.4, 0.2, 0.1])
    owned[:, 1] |= ~owned[:, 0]
    records_per_person = 1 + rng.geometric(0.2, n_people)
    n_records = int(records_per_person.sum())
    person_of_record = np.repeat(np.arange(n_people), records_per_person)
    per_record = rng.choice([1, 2, 3], size=n_records, p=[0.25, 0.5, 0.25])
    rows_person = np.repeat(person_of_record, per_record)
    rows_record = np.repeat(np.arange(n_records), per_record)
    rows_slot = rng.integers(0, slots, size=len(rows_person))
    # a record only carries identifiers its person owns: fall back to the person's first owned slot
    first_owned = owned.argmax(axis=1)
    keep = owned[rows_person, rows_slot]
    rows_slot = np.where(keep, rows_slot, first_owned[rows_person])
    n_nodes = n_people * slots
    pair_codes = np.sort(rows_record.astype(np.int64) * n_nodes + rows_person * slots + rows_slot)
    pair_codes = pair_codes[np.concatenate(([True], pair_codes[1:] != pair_codes[:-1]))][:n_edges]
    records, nodes = np.divmod(pair_codes, n_nodes)
    owners, slot = np.divmod(nodes, slots)
    # record ids look like staging's '<source>:<sha256>'; identifier keys like '<id_type>:<value>'
    record_ids = pc.binary_join_element_wise(
        "web_forms_submissions:", _digits(records * 2654435761 % (1 << 61), 19), "0" * 45, ""
    )
    types = pa.array(ID_TYPES[slot_types[slot]])
    values = pc.binary_join_element_wise(_digits(owners * 7919 % 10**9, 9), _digits(slot, 2), "-")
    keys = pc.binary_join_element_wise(types, values, ":")
    return pa.table({"record_id": record_ids, "identifier_key": keys})


def _digits(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
