"""Constructors that store their arguments unchanged (scikit-learn's and skorch's rule)."""


def store_init_params(obj, params):
    """Set each constructor argument in ``params`` (``locals()`` of ``__init__``) on
    ``obj`` under its own name; ``get_params`` reads them back."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(obj, name, value)
