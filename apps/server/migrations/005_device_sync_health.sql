-- Device sync health (issue 18): what each phone reports about its background runs, for the office
-- page. One row per device (its latest self-description and queue state) and one per reported run.
-- A device id is chosen by the phone and scoped by organization: another organization using the
-- same id writes its own rows. Retention is bounded by the report route (per device: 14 days and
-- 1,000 runs; devices silent for 90 days go, with their runs).
CREATE TABLE device_sync_devices (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  device_id text NOT NULL,
  user_id text NOT NULL,
  platform text NOT NULL,
  device_name text,
  app_version text,
  -- Whether the OS lets background sync run: Background App Refresh, Low Power Mode, battery
  -- optimisation, the app's scheduling policy ({ status, backgroundAppRefresh, … } as reported).
  capability jsonb NOT NULL,
  pending_changes integer NOT NULL,
  pending_photos integer NOT NULL,
  failed_photos integer NOT NULL,
  rejected_changes integer NOT NULL,
  last_successful_sync_at timestamptz,
  -- Phone clock minus server clock at the report (run times are stored corrected by it).
  clock_skew_ms bigint NOT NULL DEFAULT 0,
  reported_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, device_id)
);

CREATE INDEX device_sync_devices_reported ON device_sync_devices (org_id, reported_at);

CREATE TABLE device_sync_runs (
  org_id text NOT NULL,
  device_id text NOT NULL,
  run_id text NOT NULL,
  user_id text NOT NULL,
  trigger text NOT NULL,
  budget_ms integer NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  duration_ms integer,
  outcome text NOT NULL,
  reason text,
  ops_applied integer NOT NULL DEFAULT 0,
  ops_rejected integer NOT NULL DEFAULT 0,
  photos_uploaded integer NOT NULL DEFAULT 0,
  photos_failed integer NOT NULL DEFAULT 0,
  bytes_sent bigint NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (org_id, device_id, run_id),
  FOREIGN KEY (org_id, device_id) REFERENCES device_sync_devices (org_id, device_id) ON DELETE CASCADE
);

CREATE INDEX device_sync_runs_started ON device_sync_runs (org_id, device_id, started_at DESC);
