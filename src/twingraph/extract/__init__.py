"""Page -> blocks -> records: extract a partner-cities page into reviewable records."""

from twingraph.extract.models import Models, load_models
from twingraph.extract.page import ExtractError, Extraction, extract_page

__all__ = ["ExtractError", "Extraction", "Models", "extract_page", "load_models"]
