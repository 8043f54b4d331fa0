//! The portable schema: only types both backends share. Backend-only columns (PostgreSQL's
//! `search_vector`) and tables (SQLite's `petition_search`) are left out on purpose.

diesel::table! {
    parliaments (id) {
        id -> BigInt,
        period -> Text,
        government -> Text,
        opening_at -> Nullable<Timestamp>,
        dissolution_at -> Nullable<Timestamp>,
        response_threshold -> BigInt,
        debate_threshold -> BigInt,
        archived_at -> Nullable<Timestamp>,
        dissolution_message -> Nullable<Text>,
        dissolution_announced_at -> Nullable<Timestamp>,
        notice_mailing_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    rejection_reasons (code) {
        code -> Text,
        title -> Text,
        description -> Text,
        hidden -> Bool,
    }
}

diesel::table! {
    countries (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name -> Text,
        ons_code -> Text,
    }
}

diesel::table! {
    constituencies (ons_code) {
        ons_code -> Text,
        name -> Text,
        nation -> Text,
        region_code -> Text,
        mp_name -> Nullable<Text>,
        party -> Nullable<Text>,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        acronym -> Text,
        name -> Text,
        url -> Nullable<Text>,
    }
}

diesel::table! {
    topics (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    petitions (id) {
        id -> BigInt,
        action -> Text,
        background -> Nullable<Text>,
        additional_details -> Nullable<Text>,
        committee_note -> Nullable<Text>,
        state -> Text,
        response_state -> Text,
        debate_state -> Text,
        signature_count -> BigInt,
        creator_name -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        rejected_at -> Nullable<Timestamp>,
        opened_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        deadline -> Nullable<Timestamp>,
        moderation_threshold_reached_at -> Nullable<Timestamp>,
        response_threshold_reached_at -> Nullable<Timestamp>,
        government_response_at -> Nullable<Timestamp>,
        debate_threshold_reached_at -> Nullable<Timestamp>,
        debate_scheduled_on -> Nullable<Date>,
        scheduled_debate_date -> Nullable<Date>,
        debate_outcome_at -> Nullable<Timestamp>,
        rejection_code -> Nullable<Text>,
        rejection_details -> Nullable<Text>,
        parliament_id -> Nullable<BigInt>,
        archived_at -> Nullable<Timestamp>,
        imported_at -> Nullable<Timestamp>,
        stopped_at -> Nullable<Timestamp>,
        anonymised_at -> Nullable<Timestamp>,
        sponsor_token -> Nullable<Text>,
    }
}

diesel::table! {
    government_responses (petition_id) {
        petition_id -> BigInt,
        responded_on -> Nullable<Date>,
        summary -> Text,
        details -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    debate_outcomes (petition_id) {
        petition_id -> BigInt,
        debated -> Bool,
        debated_on -> Nullable<Date>,
        overview -> Nullable<Text>,
        transcript_url -> Nullable<Text>,
        video_url -> Nullable<Text>,
        debate_pack_url -> Nullable<Text>,
        public_engagement_url -> Nullable<Text>,
        debate_summary_url -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    other_parliamentary_business (id) {
        id -> BigInt,
        petition_id -> BigInt,
        subject -> Text,
        body -> Text,
        occurred_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    petition_notes (petition_id) {
        petition_id -> BigInt,
        details -> Text,
        updated_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    petition_departments (petition_id, department_id) {
        petition_id -> BigInt,
        department_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    petition_topics (petition_id, topic_id) {
        petition_id -> BigInt,
        topic_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    petition_country_signatures (petition_id, code) {
        petition_id -> BigInt,
        code -> Text,
        name -> Text,
        signature_count -> BigInt,
    }
}

diesel::table! {
    petition_constituency_signatures (petition_id, ons_code) {
        petition_id -> BigInt,
        ons_code -> Text,
        name -> Text,
        mp -> Nullable<Text>,
        signature_count -> BigInt,
    }
}

diesel::table! {
    petition_region_signatures (petition_id, ons_code) {
        petition_id -> BigInt,
        ons_code -> Text,
        name -> Text,
        signature_count -> BigInt,
    }
}

diesel::joinable!(constituencies -> regions (region_code));
diesel::joinable!(petitions -> parliaments (parliament_id));
diesel::joinable!(petition_departments -> departments (department_id));
diesel::joinable!(petition_topics -> topics (topic_id));

diesel::table! {
    mailing_recipients (mailing_id, canonical_email) {
        mailing_id -> BigInt,
        canonical_email -> Text,
        signature_id -> BigInt,
    }
}

diesel::table! {
    postcodes (postcode) {
        postcode -> Text,
        ons_code -> Text,
    }
}

diesel::table! {
    postcode_sectors (sector) {
        sector -> Text,
        ons_code -> Text,
    }
}

diesel::table! {
    signatures (id) {
        id -> BigInt,
        petition_id -> BigInt,
        state -> Text,
        name -> Text,
        email -> Text,
        email_lower -> Text,
        canonical_email -> Text,
        location_code -> Text,
        postcode -> Nullable<Text>,
        constituency_code -> Nullable<Text>,
        ip_address -> Nullable<Text>,
        notify_by_email -> Bool,
        confirmation_token -> Text,
        unsubscribe_token -> Text,
        creator -> Bool,
        sponsor -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        validated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Confirmed signatures the counter has not added to their petitions yet.
    count_queue (signature_id) {
        signature_id -> BigInt,
        petition_id -> BigInt,
        location_code -> Text,
        constituency_code -> Nullable<Text>,
        validated_at -> Timestamp,
    }
}

diesel::table! {
    petition_hourly_signatures (petition_id, hour) {
        petition_id -> BigInt,
        hour -> Timestamp,
        signature_count -> BigInt,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> BigInt,
        kind -> Text,
        signature_id -> Nullable<BigInt>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        about_signature_id -> Nullable<BigInt>,
        mailing_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    signer_mailings (id) {
        id -> BigInt,
        petition_id -> Nullable<BigInt>,
        kind -> Text,
        subject -> Text,
        body -> Text,
        requested_by -> Text,
        created_at -> Timestamp,
        queued_through -> BigInt,
        queued -> BigInt,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invalidations (id) {
        id -> BigInt,
        summary -> Text,
        state -> Text,
        petition_id -> Nullable<BigInt>,
        name -> Nullable<Text>,
        email -> Nullable<Text>,
        domain -> Nullable<Text>,
        ip -> Nullable<Text>,
        postcode -> Nullable<Text>,
        constituency -> Nullable<Text>,
        country -> Nullable<Text>,
        signed_after -> Nullable<Timestamp>,
        signed_before -> Nullable<Timestamp>,
        matching_count -> Nullable<BigInt>,
        counted_at -> Nullable<Timestamp>,
        invalidated_count -> BigInt,
        scanned_through -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    site_settings (id) {
        id -> Integer,
        moderation_threshold -> Integer,
        max_sponsors -> Integer,
        response_threshold -> BigInt,
        debate_threshold -> BigInt,
        duration_months -> Integer,
        collection_paused_since -> Nullable<Timestamp>,
        extended_through -> Nullable<Timestamp>,
        trending_enabled -> Bool,
        breakdowns_enabled -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    signing_list_entries (id) {
        id -> BigInt,
        list -> Text,
        kind -> Text,
        pattern -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(signatures -> petitions (petition_id));
diesel::joinable!(count_queue -> signatures (signature_id));
diesel::joinable!(email_outbox -> signatures (signature_id));
diesel::joinable!(email_outbox -> signer_mailings (mailing_id));
diesel::joinable!(petition_hourly_signatures -> petitions (petition_id));
diesel::joinable!(petition_constituency_signatures -> petitions (petition_id));

diesel::allow_tables_to_appear_in_same_query!(
    mailing_recipients,
    audit_log,
    staff_accounts,
    integration_tokens,
    revoked_tokens,
    service_secrets,
    postcodes,
    postcode_sectors,
    signatures,
    count_queue,
    petition_hourly_signatures,
    email_outbox,
    signer_mailings,
    signing_list_entries,
    site_settings,
    invalidations,
    parliaments,
    rejection_reasons,
    countries,
    regions,
    constituencies,
    departments,
    topics,
    petitions,
    government_responses,
    debate_outcomes,
    other_parliamentary_business,
    petition_departments,
    petition_notes,
    petition_topics,
    petition_country_signatures,
    petition_constituency_signatures,
    petition_region_signatures,
);

diesel::table! {
    staff_accounts (id) {
        id -> BigInt,
        email -> Text,
        role -> Text,
        password_hash -> Text,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    integration_tokens (id) {
        id -> Text,
        name -> Text,
        scopes -> Text,
        issued_by -> BigInt,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    service_secrets (name) {
        name -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor -> Text,
        action -> Text,
        petition_id -> Nullable<BigInt>,
        subject -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        created_at -> Timestamp,
    }
}
