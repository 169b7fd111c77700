from django.utils.functional import SimpleLazyObject

from notifications.services import unread_count


def bell(request) -> dict:
    """The header's unread count, read only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user_id=user.pk))
    }
