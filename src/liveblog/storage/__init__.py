"""Tables, the database handle and migrations. Nothing here decides policy; actions do."""

from liveblog.storage.db import Database
from liveblog.storage.tables import (
    ApiToken,
    AuditEntry,
    Base,
    Blog,
    DispatchCursor,
    Event,
    LoginFailure,
    Media,
    Membership,
    PasswordReset,
    Post,
    PostMedia,
    Revision,
    User,
    UserSession,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Blog",
    "Database",
    "DispatchCursor",
    "Event",
    "LoginFailure",
    "Media",
    "Membership",
    "PasswordReset",
    "Post",
    "PostMedia",
    "Revision",
    "User",
    "UserSession",
    "WebhookDelivery",
    "WebhookEndpoint",
]
