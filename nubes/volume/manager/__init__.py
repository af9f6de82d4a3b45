"""The volume manager (``nubes-volume``, cinder-volume's part): the
process on the bus that does the backends' slow work the volume API
casts to it after answering: making a new volume's file (and copying a
snapshot's, a volume's or an image's data into it), deleting, extending,
snapshotting, uploading to an image.  It writes the outcome (``available``,
``error``, ...) to the volume database.

* :mod:`.messages`: the wire contract (topic, plain dataclasses);
* :mod:`.rpcapi`: the casts the volume API sends;
* :mod:`.endpoint`: what runs them; :mod:`.volume_work` and
  :mod:`.snapshot_work` the work itself;
* :mod:`.process`: the manager as a running thing (RPC server + work).
"""
