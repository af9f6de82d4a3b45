"""The libvirt/QEMU virt driver: real guests (see ``docs/compute/libvirt.md``).

``driver`` (the :class:`~nubes.compute.virt.driver.Driver` protocol on a
libvirt connection), ``connection`` (the connection and KVM detection),
``images`` (the per-host image cache and the instance disks, made with
``qemu-img``), ``guest_disks`` (a guest's root, ephemeral and swap disks
and volumes, and their device names), ``domain_xml`` (the domain definition), ``stats``
(diagnostics from libvirt's statistics) and ``tiny_image`` (the small
bootable guest the project builds).  ``libvirt`` (the Python binding) is
imported only here, when the driver is chosen.
"""
