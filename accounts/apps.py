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
