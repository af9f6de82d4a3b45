"""The super-conductor: ``process`` runs ``endpoint`` on topic ``conductor`` of
the API-level bus; ``build`` schedules and builds one create request
(``cell0`` buries what gets no host, ``quota_recheck`` counts again after
scheduling, ``instance_values`` makes the cell's instance row).  Others
import only ``rpcapi`` and ``messages``."""
