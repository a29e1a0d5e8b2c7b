from lumina.core.errors import ValidationFailed


class BulkTooLarge(ValidationFailed):
    code = "bulk_too_large"
    default_message = "A bulk action takes at most 1,000 assets."
