-- Bills, payment orders, receipts, the fee ledger, and the demo payment provider's own books.
-- Money is INTEGER minor units (fen) everywhere; displayed quantities and prices are TEXT
-- decimals exactly as printed.

CREATE TABLE bills (
    id            TEXT PRIMARY KEY,
    unit_id       TEXT NOT NULL REFERENCES units(id),
    title         TEXT NOT NULL,
    period_from   TEXT NOT NULL,
    period_to     TEXT NOT NULL,
    issued_at     INTEGER NOT NULL,
    due_date      TEXT NOT NULL,
    currency      TEXT NOT NULL,
    voided_at     INTEGER,
    paid_at       INTEGER,
    -- The payment order holding this bill while it is open.
    open_order_id TEXT REFERENCES payment_orders(id),
    -- Staff only: never rendered to residents.
    staff_note    TEXT
) STRICT;
CREATE INDEX bills_by_unit ON bills(unit_id, due_date);

CREATE TABLE bill_lines (
    id             TEXT PRIMARY KEY,
    bill_id        TEXT NOT NULL REFERENCES bills(id),
    position       INTEGER NOT NULL,
    fee_item       TEXT NOT NULL,
    name           TEXT NOT NULL,
    period_from    TEXT NOT NULL,
    period_to      TEXT NOT NULL,
    quantity       TEXT NOT NULL,
    unit           TEXT NOT NULL,
    unit_price     TEXT NOT NULL,
    months         INTEGER,
    meter_previous TEXT,
    meter_current  TEXT,
    meter_read_on  TEXT,
    amount_minor   INTEGER NOT NULL CHECK (amount_minor >= 0),
    penalty_minor  INTEGER NOT NULL DEFAULT 0 CHECK (penalty_minor >= 0),
    discount_minor INTEGER NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    paid_minor     INTEGER NOT NULL DEFAULT 0 CHECK (paid_minor >= 0),
    note           TEXT,
    -- Staff only: never rendered to residents.
    staff_note     TEXT,
    UNIQUE (bill_id, position)
) STRICT;

CREATE TABLE payment_orders (
    id              TEXT PRIMARY KEY,
    membership_id   TEXT NOT NULL REFERENCES memberships(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    channel         TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL CHECK (amount_minor > 0),
    currency        TEXT NOT NULL,
    state           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    paid_at         INTEGER,
    provider_txn_id TEXT,
    receipt_id      TEXT,
    failure_reason  TEXT,
    late            INTEGER NOT NULL DEFAULT 0,
    refund_minor    INTEGER,
    refund_reason   TEXT,
    refunded_at     INTEGER,
    -- When the backend last asked the provider (active query on GET).
    queried_at      INTEGER,
    -- Secret in the demo checkout URL.
    checkout_token  TEXT NOT NULL
) STRICT;
CREATE INDEX payment_orders_by_membership ON payment_orders(membership_id, created_at);

CREATE TABLE payment_order_bills (
    order_id     TEXT NOT NULL REFERENCES payment_orders(id),
    bill_id      TEXT NOT NULL REFERENCES bills(id),
    position     INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (order_id, bill_id)
) STRICT;

-- Provider notifications already handled (the idempotent inbox).
CREATE TABLE payment_events (
    provider    TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    order_id    TEXT,
    received_at INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    PRIMARY KEY (provider, event_id)
) STRICT;

CREATE TABLE receipts (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    order_id        TEXT NOT NULL UNIQUE REFERENCES payment_orders(id),
    unit_id         TEXT NOT NULL REFERENCES units(id),
    payer           TEXT NOT NULL,
    issuer          TEXT NOT NULL,
    community       TEXT NOT NULL,
    unit_label      TEXT NOT NULL,
    amount_minor    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    provider_txn_id TEXT NOT NULL,
    paid_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE receipt_lines (
    receipt_id   TEXT NOT NULL REFERENCES receipts(id),
    position     INTEGER NOT NULL,
    bill_id      TEXT NOT NULL REFERENCES bills(id),
    bill_line_id TEXT NOT NULL REFERENCES bill_lines(id),
    name         TEXT NOT NULL,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (receipt_id, position)
) STRICT;

CREATE TABLE ledger_periods (
    community_id TEXT NOT NULL REFERENCES communities(id),
    period       TEXT NOT NULL,
    title        TEXT NOT NULL,
    period_from  TEXT NOT NULL,
    period_to    TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    PRIMARY KEY (community_id, period)
) STRICT;

CREATE TABLE ledger_lines (
    community_id TEXT NOT NULL,
    period       TEXT NOT NULL,
    position     INTEGER NOT NULL,
    direction    TEXT NOT NULL CHECK (direction IN ('income', 'expense')),
    category     TEXT NOT NULL,
    name         TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    note         TEXT,
    PRIMARY KEY (community_id, period, position),
    FOREIGN KEY (community_id, period) REFERENCES ledger_periods(community_id, period)
) STRICT;

CREATE TABLE ledger_attachments (
    community_id TEXT NOT NULL,
    period       TEXT NOT NULL,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    media_type   TEXT NOT NULL,
    content      BLOB NOT NULL,
    PRIMARY KEY (community_id, period, position),
    FOREIGN KEY (community_id, period) REFERENCES ledger_periods(community_id, period)
) STRICT;

-- The demo provider: a stand-in for WeChat Pay's servers, with its own books and key. The
-- backend talks to it only through the provider interface (create, query, close, refund) and
-- its signed notifications.
CREATE TABLE demo_provider (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    signing_key BLOB NOT NULL
) STRICT;

CREATE TABLE demo_provider_payments (
    out_trade_no TEXT PRIMARY KEY,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    -- NOTPAY, SUCCESS, PAYERROR, CLOSED, REFUND (WeChat's trade_state names).
    state        TEXT NOT NULL,
    txn_id       TEXT,
    paid_at      INTEGER,
    created_at   INTEGER NOT NULL
) STRICT;

-- Notifications the demo provider owes the backend, delivered with retries.
CREATE TABLE demo_provider_notifications (
    event_id     TEXT PRIMARY KEY,
    out_trade_no TEXT NOT NULL,
    body         TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    delivered_at INTEGER
) STRICT;
