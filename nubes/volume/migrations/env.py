from alembic import context

from nubes.common.db import migrate
from nubes.volume import models

migrate.run_env(context, models.metadata)
