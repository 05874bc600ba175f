"""The secret registry, as the pipeline imports it. It lives in `udfs.secrets`, the bottom layer, so that the cell
guard masks secrets too; this module is the same registry, not a copy."""

from udfs.secrets import clip, redact, register_secret, scrub

__all__ = ["clip", "redact", "register_secret", "scrub"]
