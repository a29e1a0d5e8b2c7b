from lumina.core.errors import LuminaError, ValidationFailed


class BulkTooLarge(ValidationFailed):
    code = "bulk_too_large"
    default_message = "A bulk action takes at most 1,000 assets."


class ProcessingFailed(LuminaError):
    """The image cannot be processed (the content is at fault: do not retry)."""

    code = "processing_failed"
    status = 422
