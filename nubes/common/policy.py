"""oslo.policy enforcement with a service's registered defaults.

Rule names and defaults are OpenStack's, so an operator's ``policy.yaml``
carries over; ``[oslo_policy] policy_file`` and ``enforce_new_defaults``
behave as in every OpenStack service.
"""
from __future__ import annotations

import time

from oslo_policy import policy as oslo_policy

from nubes.common.wsgi import errors

# How often the policy file and policy directories are looked for and
# checked for changes.  oslo.policy does it on every enforcement: a search
# of every configuration directory (several stat calls) per request, most
# of a policy check's cost.
RECHECK_INTERVAL = 1.0


class _ThrottledEnforcer(oslo_policy.Enforcer):
    """oslo.policy's enforcer, looking at the files at most once per
    :data:`RECHECK_INTERVAL` (a forced reload always goes through)."""

    _checked_at: float | None = None

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if (not force_reload and self.rules and self._checked_at is not None
                and now - self._checked_at < RECHECK_INTERVAL):
            return
        super().load_rules(force_reload)
        self._checked_at = now

    def clear(self) -> None:
        super().clear()
        self._checked_at = None


class Enforcer:
    def __init__(self, conf, rules: list[oslo_policy.RuleDefault]):
        self._enforcer = _ThrottledEnforcer(conf, use_conf=True)
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
