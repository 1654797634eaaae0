"""sealed private values

Private values sealed at rest (peacemap/sealed.py): organisations' email and phone, places'
coordinates, submitters' name, email and role, and the private keys inside submission payloads,
revision snapshots and audit events. Organisations get the blind index of their email. Values
already stored are sealed in place under the configured data key, so run it with the production
keys set (PEACEMAP_DATA_KEY, PEACEMAP_INDEX_KEY).

The do-not-list register and consent records keyed before this revision used a key derived
from the secret key; they cannot be keyed again without the values, which were never kept.

Revision ID: b7d2e9a41c06
Revises: 20507ff0820e
Create Date: 2026-12-07 17:50:00

"""
from alembic import op
import sqlalchemy as sa

from peacemap import sealed

# revision identifiers, used by Alembic.
revision = 'b7d2e9a41c06'
down_revision = '20507ff0820e'
branch_labels = None
depends_on = None

TEXT_COLUMNS = {
    "organisations": ("email", "phone"),
    "locations": ("latitude", "longitude"),
    "submissions": ("submitter_name", "submitter_email", "submitter_role"),
}
DOCUMENTS = {"submissions": ("payload",), "revisions": ("snapshot",), "audit_events": ("before", "after")}


def upgrade():
    op.create_table('key_checks',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_key_checks'))
    )
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_locations_latitude'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_locations_longitude'), type_='check')
        for name in ("latitude", "longitude"):
            batch_op.alter_column(name, existing_type=sa.Float(), type_=sa.Text(),
                                  postgresql_using=f"{name}::text")
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), type_=sa.Text())
        batch_op.alter_column('phone', existing_type=sa.String(length=50), type_=sa.Text())
        batch_op.add_column(sa.Column('email_index', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_organisations_email_index'), ['email_index'], unique=False)
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.alter_column('submitter_name', existing_type=sa.String(length=200), type_=sa.Text())
        batch_op.alter_column('submitter_email', existing_type=sa.String(length=254), type_=sa.Text())
        batch_op.alter_column('submitter_role', existing_type=sa.String(length=200), type_=sa.Text())
    _seal_stored_values()


def _seal_stored_values():
    connection = op.get_bind()
    for table, columns in TEXT_COLUMNS.items():
        for column in columns:
            purpose = f"{table}.{column}"
            rows = connection.execute(
                sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
            ).all()
            for row_id, value in rows:
                if table == "locations":
                    value = repr(float(value))
                values = {"value": sealed.seal(str(value), purpose), "id": row_id}
                if column == "email" and table == "organisations":
                    values["index"] = sealed.blind_email(value)
                    extra = ", email_index = :index"
                else:
                    extra = ""
                connection.execute(
                    sa.text(f"UPDATE {table} SET {column} = :value{extra} WHERE id = :id"), values
                )
    document = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")
    for table, columns in DOCUMENTS.items():
        for column in columns:
            purpose = f"{table}.{column}"
            select = sa.text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")
            update = sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id").bindparams(
                sa.bindparam("value", type_=document)
            )
            rows = connection.execute(select.columns(sa.column("id"), sa.column(column, document)))
            for row_id, value in rows.all():
                connection.execute(update, {"value": sealed.seal_document(value, purpose), "id": row_id})


def downgrade():  # noqa: D103
    raise NotImplementedError("sealed values are not opened again in the database")
