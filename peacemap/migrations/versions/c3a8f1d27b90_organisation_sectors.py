"""organisation sectors (OCHA clusters from 3W sheets)

Revision ID: c3a8f1d27b90
Revises: b7d2e9a41c06
Create Date: 2026-12-07 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import peacemap.models.base  # noqa: F401  (column types used by autogenerate)


# revision identifiers, used by Alembic.
revision = 'c3a8f1d27b90'
down_revision = 'b7d2e9a41c06'
branch_labels = None
depends_on = None


def upgrade():
    # Existing organisations have no sector: an empty list, written once by the default.
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'sectors',
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                nullable=False,
                server_default='[]',
            )
        )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.alter_column('sectors', server_default=None)


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('sectors')
