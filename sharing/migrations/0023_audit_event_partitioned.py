"""The audit record becomes range-partitioned by month (docs/operations.md, Audit record).

A partitioned table's primary key must hold the partition key, so the key becomes
(id, occurred_at); ids stay unique as they come from one sequence. Django still takes `id`
for the primary key, which is all it needs. PostgreSQL before 17 has no identity columns on
partitioned tables, so `id` takes its default from a sequence the table owns.

Existing events are copied, with their seals, into monthly partitions from the month of the
oldest event to three months ahead (beat adds more), plus a default partition that catches an
event whose month has no partition yet. Indexes are recreated as they were, under the same
names; the append-only triggers are recreated on the new table (statement triggers are not
inherited, so each partition refuses TRUNCATE itself).
"""

from django.db import migrations

PARTITION = """
CREATE OR REPLACE FUNCTION bix_audit_partition(month timestamp) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    name text := 'sharing_auditevent_p' || to_char(month, 'YYYYMM');
BEGIN
    EXECUTE format(
        'CREATE TABLE IF NOT EXISTS %I PARTITION OF sharing_auditevent '
        'FOR VALUES FROM (%L) TO (%L)',
        name,
        to_char(month, 'YYYY-MM-DD') || ' 00:00:00+00',
        to_char(month + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00'
    );
    EXECUTE format(
        'CREATE OR REPLACE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON %I '
        'FOR EACH STATEMENT EXECUTE FUNCTION bix_audit_refuse()',
        name
    );
    RETURN name;
END
$$;
"""

FORWARD = """
CREATE TEMP TABLE audit_index_definitions ON COMMIT DROP AS
    SELECT indexdef FROM pg_indexes
    WHERE schemaname = current_schema() AND tablename = 'sharing_auditevent'
      AND indexname <> 'sharing_auditevent_pkey';

ALTER TABLE sharing_auditevent RENAME TO sharing_auditevent_unpartitioned;

CREATE TABLE sharing_auditevent (
    LIKE sharing_auditevent_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS
) PARTITION BY RANGE (occurred_at);

CREATE TABLE sharing_auditevent_default PARTITION OF sharing_auditevent DEFAULT;
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON sharing_auditevent_default
    FOR EACH STATEMENT EXECUTE FUNCTION bix_audit_refuse();

SELECT bix_audit_partition(month)
FROM generate_series(
    date_trunc('month', LEAST(
        (SELECT min(occurred_at) FROM sharing_auditevent_unpartitioned), now()
    ) AT TIME ZONE 'UTC'),
    date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months',
    interval '1 month'
) AS month;

INSERT INTO sharing_auditevent SELECT * FROM sharing_auditevent_unpartitioned;
DROP TABLE sharing_auditevent_unpartitioned;

ALTER TABLE sharing_auditevent
    ADD CONSTRAINT sharing_auditevent_pkey PRIMARY KEY (id, occurred_at);
DO $$
DECLARE
    definition text;
BEGIN
    FOR definition IN SELECT indexdef FROM audit_index_definitions LOOP
        EXECUTE definition;
    END LOOP;
END
$$;

CREATE SEQUENCE sharing_auditevent_id_seq OWNED BY sharing_auditevent.id;
SELECT setval(
    'sharing_auditevent_id_seq', COALESCE((SELECT max(id) FROM sharing_auditevent), 0) + 1, false
);
ALTER TABLE sharing_auditevent
    ALTER COLUMN id SET DEFAULT nextval('sharing_auditevent_id_seq');

CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON sharing_auditevent
    FOR EACH ROW EXECUTE FUNCTION bix_audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON sharing_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION bix_audit_refuse();
"""


class Migration(migrations.Migration):
    dependencies = [("sharing", "0022_feed_positions")]

    operations = [
        migrations.RunSQL(PARTITION, "DROP FUNCTION bix_audit_partition(timestamp);"),
        migrations.RunSQL(FORWARD),
    ]
