"""oslo.policy enforcement with a service's registered defaults.

Rule names and defaults are OpenStack's, so an operator's ``policy.yaml``
carries over; ``[oslo_policy] policy_file`` and ``enforce_new_defaults``
behave as in every OpenStack service.
"""
from __future__ import annotations

from oslo_policy import policy as oslo_policy

from nubes.common.wsgi import errors


class Enforcer:
    def __init__(self, conf, rules: list[oslo_policy.RuleDefault]):
        self._enforcer = oslo_policy.Enforcer(conf, use_conf=True)
        self._enforcer.register_defaults(rules)
        self._enforcer.load_rules()

    def authorize(self, ctx, action: str, target: dict | None = None) -> None:
        """Raise 403 unless ``ctx`` may perform ``action`` on ``target``."""
        creds = ctx.policy_credentials()
        if target is None:
            target = {"project_id": ctx.project_id, "user_id": ctx.user_id}
        try:
            allowed = self._enforcer.authorize(action, target, creds, do_raise=False)
        except oslo_policy.InvalidScope:
            allowed = False
        if not allowed:
            raise errors.Forbidden(f"Policy does not allow {action} to be performed.")
