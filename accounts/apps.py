from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lumina.core import plugins

        from . import audit, gdpr, signals  # noqa: F401

        # The feature apps add their models and export sections in their own ready(),
        # which runs after this one: accounts never imports them.
        audit.register_models()
        plugins.audited_models.watch(audit.track)
        audit.connect()
        plugins.data_exporters.register("accounts", gdpr._export_accounts)
        # The admin loaded every app's admin module before this (it is installed first).
        from django.contrib import admin

        from .admin_audit import audit_every_admin

        audit_every_admin(admin.site)
