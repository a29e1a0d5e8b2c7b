from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import handlers

        handlers.connect()
        _offer_asset_list_filter()


def _offer_asset_list_filter() -> None:
    """Gallery's asset list takes extra filters from other apps when it offers the
    hook (a list ``ASSET_LIST_FILTERS`` in ``gallery.api.views``); gallery itself never
    imports search."""
    from gallery.api import views

    hooks = getattr(views, "ASSET_LIST_FILTERS", None)
    if isinstance(hooks, list):
        from .filters import asset_list_filter

        if asset_list_filter not in hooks:
            hooks.append(asset_list_filter)
