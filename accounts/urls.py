from django.urls import path

from . import views

urlpatterns = [
    path("workspaces/switch/", views.workspace_switch, name="workspace-switch"),
    path("workspaces/members/", views.members, name="workspace-members"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
