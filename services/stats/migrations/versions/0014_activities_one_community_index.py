"""activities: drop the index on community_id alone

`ix_activities_community_day (community_id, day)` answers every lookup by community
as well; the second index only cost the projection one more B-tree insert for every
new activity.
"""

from shared import migration_helpers as common

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    common.drop_column_indexes("activities", "community_id")


def downgrade() -> None:
    common.index_columns("activities", "community_id")
