"""Image API policy rules (glance's names and its secure-RBAC defaults:
reading is visibility's business, writing takes the member role in the
image's own project, or admin)."""
from oslo_policy import policy

ADMIN = "role:admin"
ADMIN_OR_MEMBER = "role:admin or (role:member and project_id:%(project_id)s)"
ADMIN_OR_OWNER = "role:admin or (role:member and project_id:%(owner)s)"

GET_IMAGES = "get_images"
GET_IMAGE = "get_image"
ADD_IMAGE = "add_image"
MODIFY_IMAGE = "modify_image"
DELETE_IMAGE = "delete_image"
PUBLICIZE_IMAGE = "publicize_image"
UPLOAD_IMAGE = "upload_image"
DOWNLOAD_IMAGE = "download_image"
DEACTIVATE = "deactivate"
REACTIVATE = "reactivate"


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
        _rule(ADD_IMAGE, ADMIN_OR_MEMBER, "Create an image record.", "POST", "/v2/images"),
        _rule(MODIFY_IMAGE, ADMIN_OR_OWNER, "Update an image or its tags.", "PATCH",
              "/v2/images/{image_id}"),
        _rule(DELETE_IMAGE, ADMIN_OR_OWNER, "Delete an image.", "DELETE",
              "/v2/images/{image_id}"),
        _rule(PUBLICIZE_IMAGE, ADMIN, "Make an image public, or create a public one.",
              "PATCH", "/v2/images/{image_id}"),
        _rule(UPLOAD_IMAGE, ADMIN_OR_OWNER, "Upload an image's data.", "PUT",
              "/v2/images/{image_id}/file"),
        _rule(DOWNLOAD_IMAGE, "@", "Download an image's data (visibility rules still "
              "apply; a deactivated image's data is for admins only).", "GET",
              "/v2/images/{image_id}/file"),
        _rule(DEACTIVATE, ADMIN, "Deactivate an image (its data cannot be downloaded).",
              "POST", "/v2/images/{image_id}/actions/deactivate"),
        _rule(REACTIVATE, ADMIN, "Reactivate a deactivated image.", "POST",
              "/v2/images/{image_id}/actions/reactivate"),
    ]
