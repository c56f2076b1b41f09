"""Categories, the every-agency group, and the database rule that agreements have two parties."""

from django.db import migrations

from sharing.constants import CATEGORIES, EVERY_AGENCY_GROUP

# Checked at commit (deferred), so an agreement and its parties can be written in one transaction.
MIN_TWO_PARTIES_SQL = """
CREATE FUNCTION sharing_agreement_min_two_parties() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    agreement bigint;
    parties integer;
BEGIN
    IF TG_TABLE_NAME = 'sharing_agreement' THEN
        agreement := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        agreement := OLD.agreement_id;
    ELSE
        agreement := NEW.agreement_id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sharing_agreement WHERE id = agreement) THEN
        RETURN NULL;  -- the agreement itself was deleted
    END IF;
    SELECT count(*) INTO parties FROM sharing_agreementparty WHERE agreement_id = agreement;
    IF parties < 2 THEN
        RAISE EXCEPTION 'agreement % must have at least two parties (has %)', agreement, parties
            USING ERRCODE = 'check_violation', CONSTRAINT = 'agreement_min_two_parties';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER agreement_min_two_parties
    AFTER INSERT ON sharing_agreement
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sharing_agreement_min_two_parties();

CREATE CONSTRAINT TRIGGER agreement_party_min_two_parties
    AFTER DELETE OR UPDATE ON sharing_agreementparty
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION sharing_agreement_min_two_parties();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS agreement_party_min_two_parties ON sharing_agreementparty;
DROP TRIGGER IF EXISTS agreement_min_two_parties ON sharing_agreement;
DROP FUNCTION IF EXISTS sharing_agreement_min_two_parties();
"""


def create_reference_data(apps, schema_editor):
    Category = apps.get_model("sharing", "Category")
    Group = apps.get_model("auth", "Group")
    for code, name, description in CATEGORIES:
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    Group.objects.get_or_create(name=EVERY_AGENCY_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("sharing", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_reference_data, migrations.RunPython.noop),
        migrations.RunSQL(MIN_TWO_PARTIES_SQL, DROP_SQL),
    ]
