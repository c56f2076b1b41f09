"""Change positions for feeds: the writing transaction on grants and on Dissemination rows."""

from django.db import migrations, models

import sharing.models.positions

# Rows written before this migration get position 1, before any transaction id (ids start at 3):
# a constant default adds the columns without rewriting ten million grants; the default that
# stamps the writing transaction is set right after, for every later row.
_ADD_COLUMNS = """
ALTER TABLE sharing_reportgroupobjectpermission ADD COLUMN feed_xid bigint NOT NULL DEFAULT 1;
ALTER TABLE sharing_reportgroupobjectpermission
    ALTER COLUMN feed_xid SET DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE sharing_dissemination ADD COLUMN granted_xid bigint NOT NULL DEFAULT 1;
ALTER TABLE sharing_dissemination
    ALTER COLUMN granted_xid SET DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE sharing_dissemination ADD COLUMN revoked_xid bigint NULL;
UPDATE sharing_dissemination SET revoked_xid = 1 WHERE revoked_at IS NOT NULL;
"""
_DROP_COLUMNS = """
ALTER TABLE sharing_reportgroupobjectpermission DROP COLUMN feed_xid;
ALTER TABLE sharing_dissemination DROP COLUMN granted_xid;
ALTER TABLE sharing_dissemination DROP COLUMN revoked_xid;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_user_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("sharing", "0021_access_request_clock"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(_ADD_COLUMNS, _DROP_COLUMNS)],
            state_operations=[
                migrations.AddField(
                    model_name="dissemination",
                    name="granted_xid",
                    field=models.BigIntegerField(
                        db_default=sharing.models.positions.CurrentTransaction()
                    ),
                ),
                migrations.AddField(
                    model_name="dissemination",
                    name="revoked_xid",
                    field=models.BigIntegerField(blank=True, null=True),
                ),
                migrations.AddField(
                    model_name="reportgroupobjectpermission",
                    name="feed_xid",
                    field=models.BigIntegerField(
                        db_default=sharing.models.positions.CurrentTransaction()
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="dissemination",
            index=models.Index(
                condition=models.Q(
                    ("recipient_agency__isnull", True), ("revoked_xid__isnull", False)
                ),
                fields=["recipient_country", "revoked_xid", "report"],
                name="dissem_revoked_country",
            ),
        ),
        migrations.AddIndex(
            model_name="dissemination",
            index=models.Index(
                condition=models.Q(
                    ("recipient_agency__isnull", False), ("revoked_xid__isnull", False)
                ),
                fields=["recipient_agency", "revoked_xid", "report"],
                name="dissem_revoked_agency",
            ),
        ),
        migrations.AddIndex(
            model_name="reportgroupobjectpermission",
            index=models.Index(
                fields=["group", "permission", "feed_xid", "content_object"],
                name="report_grant_feed",
            ),
        ),
        migrations.AddConstraint(
            model_name="dissemination",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("revoked_at__isnull", True), ("revoked_xid__isnull", True)),
                    models.Q(("revoked_at__isnull", False), ("revoked_xid__isnull", False)),
                    _connector="OR",
                ),
                name="dissemination_revocation_recorded",
            ),
        ),
    ]
