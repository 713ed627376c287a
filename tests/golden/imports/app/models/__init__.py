class Tag:
    """A label defined in the package's __init__, used as ``models.Tag``."""
