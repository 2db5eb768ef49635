-- An organization's invoice counter gets a row of its own. Every upload's foreign-key checks hold a
-- KEY SHARE lock on its organization's row until COMMIT; updating a row that many open transactions
-- hold such locks on makes Postgres build a MultiXact of all of them for each update (and each new
-- locker then extends it), which serialized one organization's uploads far beyond the numbering
-- itself. Nothing references this table, so only numbering ever locks its rows.
CREATE TABLE invoice_counters (
  org_id text PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  last_number integer NOT NULL
);

INSERT INTO invoice_counters (org_id, last_number)
SELECT id, last_invoice_number FROM organizations WHERE last_invoice_number > 0;

ALTER TABLE organizations DROP COLUMN last_invoice_number;
