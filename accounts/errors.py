from lumina.core.errors import Conflict, LuminaError, PermissionDenied


class LastOwner(Conflict):
    code = "last_owner"
    default_message = "A workspace needs at least one owner; add another owner first."


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = "This person is already a member of the workspace."


class InvitationInvalid(LuminaError):
    code = "invitation_invalid"
    status = 404
    default_message = "This invitation does not exist, has expired or was withdrawn."


class InvitationEmailMismatch(PermissionDenied):
    code = "invitation_email_mismatch"
    default_message = "This invitation was sent to another e-mail address."


class RoleForbidden(PermissionDenied):
    code = "role_forbidden"
    default_message = "Your role in this workspace does not allow that."
