"""The scheduler: picks a compute node per instance and claims its
resources in placement.

Other services import only :mod:`rpcapi` (``select_destinations``) and
:mod:`messages` (the wire contract).  Inside, one scheduling cycle
(:mod:`service`) runs the configured plugins (:mod:`plugins`) at their
extension points:

* prefilters turn policy into placement query constraints
  (:mod:`placement_query`) before candidates are fetched;
* filters drop hosts (:mod:`host_state` describes a host);
* weighers rank the survivors;
* the claim writes the instance's allocations to placement and is the
  only thing correctness depends on: any number of schedulers may run.
"""
