"""Customer engagement: an agent-based model on Mesa, with state in NumPy arrays."""

from .levels import LEVELS, Level
from .model import STEP_ORDER, EngagementModel
from .scenario import Scenario, ScenarioError, from_dict, load

__all__ = ["EngagementModel", "STEP_ORDER", "LEVELS", "Level", "Scenario", "ScenarioError", "load", "from_dict"]
__version__ = "0.1.0"
