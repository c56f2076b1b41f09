"""Feed probes: later grants answered from report_grant_probe; revocations per recipient."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0003_user_language"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("sharing", "0026_dashboard_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="dissemination",
            name="dissem_revoked_country",
        ),
        migrations.RemoveIndex(
            model_name="reportgroupobjectpermission",
            name="report_grant_probe",
        ),
        migrations.AddIndex(
            model_name="dissemination",
            index=models.Index(
                condition=models.Q(
                    ("recipient_country__isnull", False), ("revoked_xid__isnull", False)
                ),
                fields=["recipient_country", "revoked_xid", "report"],
                name="dissem_revoked_country",
            ),
        ),
        migrations.AddIndex(
            model_name="dissemination",
            index=models.Index(
                condition=models.Q(("basis", "tlp_clear"), ("revoked_xid__isnull", False)),
                fields=["revoked_xid", "report"],
                name="dissem_revoked_everyone",
            ),
        ),
        migrations.AddIndex(
            model_name="reportgroupobjectpermission",
            index=models.Index(
                fields=["content_object", "permission", "group"],
                include=("feed_xid",),
                name="report_grant_probe",
            ),
        ),
    ]
