"""Image API policy rules (glance's names)."""
from oslo_policy import policy

ADMIN = "role:admin"
ADMIN_OR_OWNER = "role:admin or project_id:%(owner)s"

GET_IMAGES = "get_images"
GET_IMAGE = "get_image"
ADD_IMAGE = "add_image"
MODIFY_IMAGE = "modify_image"
DELETE_IMAGE = "delete_image"
PUBLICIZE_IMAGE = "publicize_image"
UPLOAD_IMAGE = "upload_image"


def _rule(name: str, check: str, description: str, method: str, path: str):
    return policy.DocumentedRuleDefault(name=name, check_str=check, description=description,
                                        operations=[{"method": method, "path": path}],
                                        scope_types=["project"])


def list_rules():
    return [
        _rule(GET_IMAGES, "@", "List images (visibility rules still apply).", "GET",
              "/v2/images"),
        _rule(GET_IMAGE, "@", "Show an image (visibility rules still apply).", "GET",
              "/v2/images/{image_id}"),
        _rule(ADD_IMAGE, "@", "Create an image record.", "POST", "/v2/images"),
        _rule(MODIFY_IMAGE, ADMIN_OR_OWNER, "Update an image or its tags.", "PATCH",
              "/v2/images/{image_id}"),
        _rule(DELETE_IMAGE, ADMIN_OR_OWNER, "Delete an image.", "DELETE",
              "/v2/images/{image_id}"),
        _rule(PUBLICIZE_IMAGE, ADMIN, "Make an image public, or create a public one.",
              "PATCH", "/v2/images/{image_id}"),
        # nubes keeps no image data: an "upload" only records the size and
        # checksums of what was sent and makes the image active, so by
        # default only admins may do it (glance lets owners upload).
        _rule(UPLOAD_IMAGE, ADMIN, "Mark a queued image active (records size and "
              "checksums of the bytes sent; keeps no data).", "PUT",
              "/v2/images/{image_id}/file"),
    ]
