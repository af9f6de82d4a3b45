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
    # Bumped whenever the files were looked at (they may have changed).
    generation = 0

    def load_rules(self, force_reload: bool = False) -> None:
        now = time.monotonic()
        if (not force_reload and self.rules and self._checked_at is not None
                and now - self._checked_at < RECHECK_INTERVAL):
            return
        super().load_rules(force_reload)
        self._checked_at = now
        self.generation += 1

    def clear(self) -> None:
        super().clear()
        self._checked_at = None
        self.generation += 1


# Decisions remembered until the policy files are next looked at (at most
# RECHECK_INTERVAL later), at most this many.
DECISION_CACHE_SIZE = 4096


def _frozen(values: dict) -> tuple:
    """A hashable form of credentials or a target (TypeError if a value
    cannot be one)."""
    out = []
    for key, value in values.items():
        if isinstance(value, (list, set, frozenset)):
            value = tuple(value)
        hash(value)
        out.append((key, value))
    return tuple(sorted(out))


class Enforcer:
    """Decisions depend only on the rules, the action, the credentials and
    the target, so they are remembered until the rules may have changed:
    most requests repeat one of a few (action, roles, project)
    combinations."""

    def __init__(self, conf, rules: list[oslo_policy.RuleDefault], *,
                 denied: str = "Policy does not allow {action} to be performed."):
        self._denied = denied          # the 403 text (each service words it its own way)
        self._enforcer = _ThrottledEnforcer(conf, use_conf=True)
        self._enforcer.register_defaults(rules)
        self._enforcer.load_rules()
        self._decisions: dict[tuple, bool] = {}
        self._decided_for = -1     # the rules' generation the decisions are for

    def authorize(self, ctx, action: str, target: dict | None = None) -> None:
        """Raise 403 unless ``ctx`` may perform ``action`` on ``target``."""
        creds = ctx.policy_credentials()
        if target is None:
            target = {"project_id": ctx.project_id, "user_id": ctx.user_id}
        if not self._allowed(action, target, creds):
            raise errors.Forbidden(self._denied.format(action=action))

    def _allowed(self, action: str, target: dict, creds: dict) -> bool:
        self._enforcer.load_rules()
        generation = self._enforcer.generation
        if generation != self._decided_for:
            self._decisions, self._decided_for = {}, generation
        try:
            key = (action, _frozen(target), _frozen(creds))
        except TypeError:
            key = None
        decisions = self._decisions
        if key is not None and key in decisions:
            return decisions[key]
        try:
            allowed = bool(self._enforcer.authorize(action, target, creds, do_raise=False))
        except oslo_policy.InvalidScope:
            allowed = False
        if key is not None:
            if len(decisions) >= DECISION_CACHE_SIZE:
                decisions.clear()
            decisions[key] = allowed
        return allowed
