from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.SearchView.as_view(), name="api-search"),
    path("search/facets/", views.FacetsView.as_view(), name="api-search-facets"),
    path("search/suggest/", views.SuggestView.as_view(), name="api-search-suggest"),
    path("search/map/", views.MapView.as_view(), name="api-search-map"),
    path("search/similar/<int:asset_id>/", views.SimilarView.as_view(), name="api-search-similar"),
    path("search/duplicates/", views.DuplicatesView.as_view(), name="api-search-duplicates"),
    path(
        "search/duplicates/resolve/",
        views.DuplicatesResolveView.as_view(),
        name="api-search-duplicates-resolve",
    ),
]
