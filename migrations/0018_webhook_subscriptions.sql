-- Newsrooms' webhook subscriptions to changes of facts' answers. The filter's parts are optional: an empty
-- fact_ids or verdicts array, or a null subject, matches everything. The secret keys the deliveries' HMAC, so it
-- is kept as given; the API never returns it.

CREATE TABLE webhook_subscriptions (
    subscription_id text PRIMARY KEY,
    target_url      text NOT NULL,
    fact_ids        text[] NOT NULL DEFAULT '{}',
    subject         text NULL,
    verdicts        text[] NOT NULL DEFAULT '{}',
    secret          text NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL
);
