"""organisations: the directory's list and its country and type counts read indexes alone

Revision ID: a7c3e5f90b12
Revises: d4b6e2a81f37
Create Date: 2026-12-08 01:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5f90b12'
down_revision = 'd4b6e2a81f37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_organisations_listed_by_name',
        'organisations',
        ['status', sa.text('lower(name)'), 'id'],
        unique=False,
    )
    op.create_index(
        'ix_organisations_facets', 'organisations', ['status', 'country', 'type'], unique=False
    )


def downgrade():
    op.drop_index('ix_organisations_facets', table_name='organisations')
    op.drop_index('ix_organisations_listed_by_name', table_name='organisations')
