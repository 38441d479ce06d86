"""The desk that keeps tickets: storage, lifecycle, SLA clock, queue, reports."""

# Every module that declares tables on the shared Base is imported here, so that
# ``Base.metadata`` (Alembic, the migration check) always holds all of them.
from triage.desk import access_models as access_models  # noqa: F401
from triage.desk import channel_models as channel_models  # noqa: F401
from triage.desk import deflection as deflection  # noqa: F401
