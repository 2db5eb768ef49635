-- Cloudinary upload notifications already handled: a replay (its signature stays valid for 2 h) is
-- answered without acting again. Entries older than that validity are pruned.
CREATE TABLE cloudinary_notifications (
  public_id text NOT NULL,
  version bigint NOT NULL,
  asset_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (public_id, version)
);
CREATE INDEX cloudinary_notifications_received_idx ON cloudinary_notifications (received_at);

-- When a photo row was last deleted: an asset uploaded before that belongs to the deleted row, never
-- to a row re-created with the same id. Only needed while a notification can still be valid (2 h).
CREATE TABLE photo_tombstones (
  public_id text PRIMARY KEY,
  deleted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photo_tombstones_deleted_idx ON photo_tombstones (deleted_at);

CREATE FUNCTION record_photo_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO photo_tombstones (public_id)
  VALUES ('vhd/' || OLD.org_id || '/photos/' || OLD.id::text)
  ON CONFLICT (public_id) DO UPDATE SET deleted_at = now();
  RETURN OLD;
END
$$;

CREATE TRIGGER photos_record_tombstone
  AFTER DELETE ON photos
  FOR EACH ROW EXECUTE FUNCTION record_photo_tombstone();
