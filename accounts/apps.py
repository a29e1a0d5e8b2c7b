from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import audit, signals  # noqa: F401

        # Feature apps are looked up by label here (all models are loaded by now), so
        # accounts never imports them.
        audit.register_models()
        audit.connect()
        # The admin loaded every app's admin module before this (it is installed first).
        from django.contrib import admin

        from .admin_audit import audit_every_admin

        audit_every_admin(admin.site)
