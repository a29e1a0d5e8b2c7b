from django.urls import path

from . import security_views, views

urlpatterns = [
    path("workspaces/switch/", views.workspace_switch, name="workspace-switch"),
    path("workspaces/members/", views.members, name="workspace-members"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("security/", security_views.security_home, name="security"),
    path("security/2fa/setup/", security_views.two_factor_setup, name="security-2fa-setup"),
    path("security/2fa/verify/", security_views.two_factor_verify, name="security-2fa-verify"),
    path(
        "security/2fa/recovery-codes/",
        security_views.two_factor_recovery_codes,
        name="security-2fa-recovery-codes",
    ),
    path("security/2fa/disable/", security_views.two_factor_disable, name="security-2fa-disable"),
    path("security/tokens/", security_views.tokens, name="security-tokens"),
    path("security/workspace/", security_views.workspace_security, name="security-workspace"),
    path("security/audit/", security_views.audit_log, name="security-audit"),
    path("security/privacy/", security_views.privacy, name="security-privacy"),
    path(
        "security/privacy/exports/<int:export_id>/download/",
        security_views.export_download,
        name="security-export-download",
    ),
]
