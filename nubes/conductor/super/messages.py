"""The super-conductor's wire contract.

``schedule_and_build_instances`` takes the instance uuids of one create
request and, optionally, its :class:`~nubes.scheduler.messages.RequestSpec`
(as ``to_dict()``); it answers nothing (a cast).
"""
from __future__ import annotations

from nubes.common.service_names import SUPER_CONDUCTOR_TOPIC

TOPIC = SUPER_CONDUCTOR_TOPIC   # on the API-level bus
