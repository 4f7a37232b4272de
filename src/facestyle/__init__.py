"""facestyle: paint a face photo in the style of a painting, on your own machine.

>>> import facestyle
>>> result = facestyle.stylize("photo.jpg", "painting.jpg", size=384)  # doctest: +SKIP
>>> result.image.save("portrait.png")  # doctest: +SKIP
"""

from facestyle.batch import BatchReport, paint_folder
from facestyle.engine import Progress, Result, stylize
from facestyle.errors import (
    Cancelled,
    FacestyleError,
    InputImageError,
    OptionError,
    OutputError,
    WeightsError,
)
from facestyle.fast.signal_tuning import tune_style
from facestyle.measure import measure_costs
from facestyle.settings import (
    OBJECTIVES,
    RECIPES,
    STYLE_LAYER_PRESETS,
    Settings,
    make_settings,
)
from facestyle.sketch import sketch

__version__ = "0.1.0"

__all__ = [
    "OBJECTIVES",
    "RECIPES",
    "STYLE_LAYER_PRESETS",
    "BatchReport",
    "Cancelled",
    "FacestyleError",
    "InputImageError",
    "OptionError",
    "OutputError",
    "Progress",
    "Result",
    "Settings",
    "WeightsError",
    "__version__",
    "make_settings",
    "measure_costs",
    "paint_folder",
    "sketch",
    "stylize",
    "tune_style",
]
