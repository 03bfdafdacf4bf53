"""heard as a server: REST API, real-time assist over WebSocket, webhooks in and out.

>>> from heard.service import create_app, ServiceSettings
>>> app = create_app(ServiceSettings(database_url="heard.db"))
"""

from heard.service.app import create_app
from heard.service.settings import ServiceSettings, SettingsError

__all__ = ["ServiceSettings", "SettingsError", "create_app"]
