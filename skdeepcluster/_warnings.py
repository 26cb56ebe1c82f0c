"""Warnings that point at the user's line, however deep inside a fit they are raised."""

import sys
import warnings

#: Frames of these packages are skipped when looking for the user's line.
_LIBRARY_PREFIXES = ("skdeepcluster", "sklearn", "skorch", "joblib", "torch")


def warn_user(message, category=UserWarning):
    """``warnings.warn`` attributed to the first caller outside the libraries a fit
    runs through (the user's ``fit`` or ``fit_predict`` line)."""
    frame, level = sys._getframe(1), 2  # 2: the caller of warn_user
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
            _LIBRARY_PREFIXES):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
