-- Organizations and users are Clerk's: their ids are Clerk ids (text). Synced rows are created by
-- clients with uuid ids; updated_at is always set by the server.

CREATE TABLE organizations (
  id text PRIMARY KEY,
  name text,
  -- The last invoice number handed out in this organization (numbers are server-assigned).
  last_invoice_number integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE memberships (
  user_id text NOT NULL,
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  role text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, org_id)
);

CREATE TABLE schedules (
  id uuid PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id),
  customer text,
  address text,
  scheduled_at timestamptz,
  status text NOT NULL DEFAULT 'scheduled'
    CHECK (status IN ('scheduled', 'in_progress', 'done', 'cancelled')),
  notes text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_org_idx ON schedules (org_id);

CREATE TABLE invoices (
  id uuid PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id),
  schedule_id uuid REFERENCES schedules (id) ON DELETE CASCADE,
  number integer NOT NULL,
  amount_cents integer NOT NULL DEFAULT 0 CHECK (amount_cents >= 0),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'sent', 'paid', 'void')),
  issued_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, number)
);
CREATE INDEX invoices_org_idx ON invoices (org_id);
CREATE INDEX invoices_schedule_idx ON invoices (schedule_id);

CREATE TABLE photos (
  id uuid PRIMARY KEY,
  org_id text NOT NULL REFERENCES organizations (id),
  schedule_id uuid REFERENCES schedules (id) ON DELETE CASCADE,
  kind text CHECK (kind IN ('before', 'after')),
  taken_at timestamptz,
  cloudinary_public_id text,
  cloudinary_version bigint,
  cloudinary_url text,
  bytes bigint CHECK (bytes >= 0),
  width integer CHECK (width > 0),
  height integer CHECK (height > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photos_org_idx ON photos (org_id);
CREATE INDEX photos_schedule_idx ON photos (schedule_id);

-- Per client (PowerSync client id): the highest op_id applied, so a replayed batch is never re-applied.
CREATE TABLE client_watermarks (
  client_id text PRIMARY KEY,
  user_id text NOT NULL,
  org_id text,
  last_op_id bigint,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The verdict given to each op, repeated verbatim when the op is sent again.
CREATE TABLE op_verdicts (
  client_id text NOT NULL,
  op_id bigint NOT NULL,
  tx_id bigint,
  verdict text NOT NULL CHECK (verdict IN ('applied', 'rejected')),
  code text,
  message text,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, op_id)
);
