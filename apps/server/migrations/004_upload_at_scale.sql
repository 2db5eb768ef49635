-- The CRUD upload at fleet scale (issue 21).

-- Verdict retention runs as a periodic job, off the request path. A client sends its oldest pending
-- op first, so verdicts below the first op of its latest batch are never asked for again: the
-- upload records that point here, and the job deletes only settled verdicts past retention.
ALTER TABLE client_watermarks ADD COLUMN settled_below bigint;
-- The job finds old verdicts by time; a BRIN index costs next to nothing on insert (verdicts are
-- appended in time order).
CREATE INDEX op_verdicts_applied_at_brin ON op_verdicts USING brin (applied_at);

-- A new invoice is inserted with a unique placeholder number (negative, from this sequence) and
-- numbered by the last statement of its upload transaction, so the organization's row lock that
-- makes numbers gapless is held only from that statement to COMMIT.
-- Placeholders only need to be unique among uncommitted rows, so the sequence may wrap.
CREATE SEQUENCE invoice_number_placeholders AS integer CYCLE;
