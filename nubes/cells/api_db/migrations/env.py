from alembic import context

from nubes.cells.api_db import models
from nubes.common.db import migrate

migrate.run_env(context, models.metadata)
