from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lumina.core.plugins import asset_list_filters

        from . import handlers
        from .filters import ASSET_LIST_SEARCH

        handlers.connect()
        # Gallery's asset list takes search's filters and ``q`` through the registry;
        # gallery itself never imports search.
        asset_list_filters.register("search", ASSET_LIST_SEARCH)
