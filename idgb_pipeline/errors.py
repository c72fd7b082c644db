"""Project exceptions. Messages are Dutch because they reach policy staff and operators."""


class IdgbError(Exception):
    """Base class for every error this project raises on purpose."""


class CatalogueError(IdgbError):
    """The source catalogue is missing, malformed or names an unknown format."""


class ExtractError(IdgbError):
    """A source file cannot be read or does not match its catalogue entry."""


class LoadError(IdgbError):
    """Writing a source into the raw schema failed, and the previous contents were kept."""


class ValidationSetupError(IdgbError):
    """An expectation suite is missing or cannot be read."""


class ModelConfigError(IdgbError):
    """The research-question file (onderzoeksvragen) is missing or invalid."""


class InsufficientDataError(IdgbError):
    """The data are too few or too uniform for a sound model fit, so the model does not fit."""
