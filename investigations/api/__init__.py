"""The investigator API under /api/v1/: one view per operation, each with its own input and output
serializers; the views call services and selectors and hold no rules of their own."""
