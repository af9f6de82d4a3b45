"""The Block Storage v3 microversions nubes serves: 3.0 to 3.71.

Each version a handler looks at has a name here, with the reason; the
others change nothing nubes serves differently.
"""
from __future__ import annotations

from nubes.common.wsgi.microversion import Version

MIN = Version(3, 0)
MAX = Version(3, 71)     # cinder 2023.2: the newest version clients negotiate

UPLOAD_IMAGE_VISIBILITY = Version(3, 1)   # os-volume_upload_image takes visibility, protected
VOLUME_LIST_GLANCE_METADATA = Version(3, 4)   # list filter glance_metadata
GROUP_ID = Version(3, 13)                 # volume shows group_id
GROUP_SNAPSHOTS = Version(3, 14)          # snapshot shows group_snapshot_id
PROVIDER_ID = Version(3, 21)              # volume shows provider_id (admin)
ATTACHMENTS = Version(3, 27)              # the attachments API exists
SNAPSHOT_USER_ID = Version(3, 41)         # snapshot shows user_id
FILTERS_STRICT = Version(3, 31)           # unknown list filters are a 400 for users
LIKE_FILTERS = Version(3, 34)             # name~ / description~ "inexact" filters
EXTEND_IN_USE = Version(3, 42)            # os-extend of an in-use volume
ATTACHMENT_COMPLETE = Version(3, 44)      # os-complete on an attachment
WITH_COUNT = Version(3, 45)               # with_count on volume lists
SHARED_TARGETS = Version(3, 48)           # volume shows shared_targets, service_uuid
MULTIATTACH = Version(3, 50)              # multiattach volumes (attachments accept several from 3.27: nova pins 3.44)
ATTACH_MODE = Version(3, 54)              # mode on attachment create
CLUSTER_NAME = Version(3, 61)             # volume shows cluster_name (admin)
VOLUME_TYPE_ID = Version(3, 63)           # volume shows volume_type_id
ENCRYPTION_KEY_ID = Version(3, 64)        # volume shows encryption_key_id
CONSUMES_QUOTA = Version(3, 65)           # volume and snapshot show consumes_quota
SNAPSHOT_IN_USE = Version(3, 66)          # snapshots of in-use volumes without force
NO_PROJECT_IN_URL = Version(3, 67)        # /v3/... without the project id (always routed)
SHARED_TARGETS_TRISTATE = Version(3, 69)  # shared_targets may be null
