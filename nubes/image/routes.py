"""The image URL table: path -> {method: handler}.  Methods a path does not
list get a 405."""
from nubes.image.handlers import image_data, images, versions

_ONE = "/v2/images/{image_id}"

ROUTES = [
    ("/", {"GET": versions.get_root}),
    ("/versions", {"GET": versions.get_versions}),
    ("/v2/images", {"GET": images.list_images, "POST": images.create_image}),
    (_ONE, {"GET": images.show_image, "PATCH": images.update_image,
            "DELETE": images.delete_image}),
    (_ONE + "/file", {"PUT": image_data.upload_image, "GET": image_data.download_image}),
    (_ONE + "/actions/deactivate", {"POST": image_data.deactivate_image}),
    (_ONE + "/actions/reactivate", {"POST": image_data.reactivate_image}),
    (_ONE + "/tags/{tag}", {"PUT": images.add_tag, "DELETE": images.delete_tag}),
]
