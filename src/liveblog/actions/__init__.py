"""The use cases of liveblog.

RULE: actions are the only code that writes to storage, and the only code that emits
events. Each action is one transaction that changes rows and appends the events that
describe the change; the bus is told only after the commit. Views, the CLI and the
importers call actions; they never write themselves.
"""

from liveblog.actions.access import SYSTEM, Actor

__all__ = ["SYSTEM", "Actor"]
