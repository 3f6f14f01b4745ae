-- Bills, payment orders, receipts and the fee ledger as the backend listed them for a
-- household. A payment order's `request` is kept from before it is sent until the backend
-- answered (`data`), so an order whose answer was lost is sent again with the same key.
CREATE TABLE bills (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL,
    due_date TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX bills_by_unit ON bills (unit_id);

CREATE TABLE payment_orders (
    id TEXT PRIMARY KEY,
    membership_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    request TEXT,
    data TEXT,
    CHECK (request IS NOT NULL OR data IS NOT NULL)
);
CREATE INDEX payment_orders_by_membership ON payment_orders (membership_id, created_at_ms DESC);

CREATE TABLE receipts (
    id TEXT PRIMARY KEY,
    unit_id TEXT NOT NULL,
    paid_at_ms INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX receipts_by_unit ON receipts (unit_id, paid_at_ms DESC);

CREATE TABLE ledger (
    community_id TEXT NOT NULL,
    period TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (community_id, period)
);
