"""Long conductor operations as :class:`~nubes.conductor.tasks.base.Task`
objects (``execute`` then, on failure, ``rollback``):

* ``build``: the super-conductor's schedule-and-build of one request;
* ``cell0``: instances that never got a host, recorded in ERROR in cell0;
* ``reschedule``: the cell conductor's retry of a failed build on an
  alternate;
* ``delete``: deleting a server, wherever it is (the API calls it);
* ``power``: reboot, stop and start as the API asks for them.
"""
