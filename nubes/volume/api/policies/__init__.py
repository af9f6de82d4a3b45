"""Volume API policy rules, under cinder's names and defaults: members
of a project work with its volumes and attachments, readers read; types,
quotas of other projects and admin actions are for admins."""
from nubes.volume.api.policies import attachments, quotas, snapshots, types, volumes


def list_rules():
    return [*volumes.list_rules(), *types.list_rules(), *attachments.list_rules(),
            *quotas.list_rules(), *snapshots.list_rules()]
