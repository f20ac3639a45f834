//! Diesel table definitions, shared by both backends. Only types both
//! support: TEXT for UUIDs, JSON and decimals; BIGINT; naive UTC TIMESTAMP.

diesel::table! {
    parties (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        reg_no -> Text,
        country -> Text,
        vat_no -> Nullable<Text>,
        address -> Nullable<Text>,
        log_seq -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    party_keys (key_id) {
        key_id -> Text,
        party_id -> Text,
        public_key -> Text,
        label -> Text,
        registered_seq -> BigInt,
        registered_at -> Timestamp,
        revoked_seq -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    log_state (id) {
        id -> Integer,
        size -> BigInt,
        batches -> BigInt,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        hash -> Text,
        waybill_id -> Nullable<Text>,
        act_type -> Text,
        act -> Text,
        signature -> Text,
        key_id -> Text,
        party_id -> Nullable<Text>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    waybills (id) {
        id -> Text,
        number -> Text,
        consignor_id -> Text,
        carrier_id -> Text,
        consignee_id -> Text,
        status -> Text,
        version -> BigInt,
        head -> Text,
        issue_date -> Text,
        state -> Text,
        created_seq -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    used_assertions (key_id, jti) {
        key_id -> Text,
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    access_audit (id) {
        id -> Text,
        at -> Timestamp,
        party_id -> Text,
        key_id -> Text,
        action -> Text,
        waybill_id -> Nullable<Text>,
        query -> Nullable<Text>,
        result_count -> Nullable<BigInt>,
    }
}

diesel::joinable!(party_keys -> parties (party_id));
diesel::joinable!(shipment_facts -> waybills (waybill_id));
diesel::allow_tables_to_appear_in_same_query!(
    parties,
    party_keys,
    log_state,
    events,
    waybills,
    used_assertions,
    access_audit,
    tree_nodes,
    checkpoints,
    shipment_facts,
    shipment_plates,
    inspections,
    risk_assessments,
);

diesel::table! {
    tree_nodes (level, idx) {
        level -> SmallInt,
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    checkpoints (size) {
        size -> BigInt,
        root_hash -> Binary,
        note -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shipment_facts (waybill_id) {
        waybill_id -> Text,
        excise -> Bool,
        cn_codes -> Text,
        loading_country -> Text,
        loading_city -> Text,
        unloading_country -> Text,
        unloading_city -> Text,
    }
}

diesel::table! {
    shipment_plates (plate, waybill_id) {
        plate -> Text,
        waybill_id -> Text,
    }
}

diesel::table! {
    inspections (id) {
        id -> Text,
        waybill_id -> Text,
        party_id -> Text,
        key_id -> Text,
        inspected_at -> Timestamp,
        recorded_at -> Timestamp,
        outcome -> Text,
        category -> Nullable<Text>,
        amount_at_stake -> Nullable<Text>,
        currency -> Nullable<Text>,
        selection -> Text,
        selection_probability -> Nullable<Text>,
        note -> Nullable<Text>,
        assessment_id -> Nullable<Text>,
    }
}

diesel::table! {
    risk_assessments (id) {
        id -> Text,
        waybill_id -> Text,
        model_version -> Text,
        score -> Integer,
        band -> Text,
        inputs -> Text,
        reasons -> Text,
        selection -> Text,
        selection_probability -> Text,
        party_id -> Text,
        assessed_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        party_id -> Text,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        party_id -> Text,
        waybill_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    party_events (party_id, seq) {
        party_id -> Text,
        seq -> BigInt,
        waybill_id -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries, party_events, events);

diesel::table! {
    idempotency_keys (party_id, idem_key) {
        party_id -> Text,
        idem_key -> Text,
        method -> Text,
        path -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        content_type -> Nullable<Text>,
        location -> Nullable<Text>,
        body -> Nullable<Binary>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    log_binding (id) {
        id -> Integer,
        log_id -> Text,
        origin -> Text,
        key_id -> Text,
        created_at -> Timestamp,
    }
}
