"""The cell conductor: ``process`` runs ``endpoint`` on topic ``conductor`` of
a cell's bus; ``services``, ``compute_nodes`` and ``instances`` are its short
transactions on the cell database; ``reschedule`` retries a failed build on
the next alternate.  Others import only ``rpcapi`` and ``messages``."""
