-- Assets of deleted photos, waiting to be deleted from Cloudinary (or the dev media store). A trigger
-- fills it in the deleting transaction, so a photo removed by a DELETE op or by its schedule's cascade
-- is never forgotten, even if the server dies right after the commit. The public id is the
-- deterministic one, so an upload the server never heard of is deleted too.
CREATE TABLE photo_asset_deletions (
  public_id text PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);

CREATE FUNCTION queue_photo_asset_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO photo_asset_deletions (public_id)
  VALUES ('vhd/' || OLD.org_id || '/photos/' || OLD.id::text)
  ON CONFLICT (public_id) DO UPDATE SET requested_at = now(), attempts = 0, last_error = NULL;
  RETURN OLD;
END
$$;

CREATE TRIGGER photos_queue_asset_deletion
  AFTER DELETE ON photos
  FOR EACH ROW EXECUTE FUNCTION queue_photo_asset_deletion();
