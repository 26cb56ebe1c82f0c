"""Deep clustering estimators for scikit-learn users."""

__version__ = "0.1.0"
