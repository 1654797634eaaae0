"""link tables: the index by the right side covers the left side too

Revision ID: d4b6e2a81f37
Revises: c3a8f1d27b90
Create Date: 2026-12-07 21:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4b6e2a81f37'
down_revision = 'c3a8f1d27b90'
branch_labels = None
depends_on = None

# (table, right column, left column): related organisations read these indexes alone.
TABLES = (
    ('organisation_themes', 'theme_id', 'organisation_id'),
    ('organisation_locations', 'location_id', 'organisation_id'),
    ('initiative_themes', 'theme_id', 'initiative_id'),
    ('initiative_locations', 'location_id', 'initiative_id'),
)


def upgrade():
    for table, right, left in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_{right}')
            batch_op.create_index(f'ix_{table}_{right}', [right, left], unique=False)


def downgrade():
    for table, right, _left in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_{right}')
            batch_op.create_index(f'ix_{table}_{right}', [right], unique=False)
