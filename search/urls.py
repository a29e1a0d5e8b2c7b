from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/map/", views.map_page, name="search-map"),
    path("search/duplicates/", views.duplicates_page, name="search-duplicates"),
]
