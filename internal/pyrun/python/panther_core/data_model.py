"""Data models: per-log-type mappings from UDM names to paths or methods."""

from typing import Any, Callable, Dict, Iterable, Mapping, Optional

from .jsonpath import compile_path


class DataModel:
    """A compiled data model.

    ``mappings`` is a list of dicts with ``name`` and exactly one of ``path``
    or ``method`` (keys are matched case-insensitively, so the YAML form with
    ``Name``/``Path``/``Method`` works too). ``module`` holds the Method
    functions.
    """

    def __init__(
        self,
        data_model_id: str,
        mappings: Iterable[Mapping],
        module: Any = None,
        log_types: Optional[Iterable[str]] = None,
    ) -> None:
        self.data_model_id = data_model_id
        self.log_types = list(log_types or [])
        self.paths: Dict[str, Any] = {}
        self.methods: Dict[str, Callable] = {}
        for index, raw in enumerate(mappings):
            mapping = {str(k).lower(): v for k, v in dict(raw).items()}
            name = mapping.get("name")
            where = f"DataModel [{data_model_id}] Mappings[{index}]"
            if not name:
                raise AssertionError(f"{where} is missing required field: [Name]")
            if mapping.get("path"):
                try:
                    self.paths[name] = compile_path(mapping["path"])
                except ValueError as err:
                    raise ValueError(f"{where} ({name}): {err}") from None
            elif mapping.get("method"):
                method_name = mapping["method"]
                if module is None:
                    raise AssertionError(f"{where} ({name}): Method [{method_name}] needs a Filename module")
                method = getattr(module, method_name, None)
                if not callable(method):
                    raise AssertionError(f"{where} ({name}): Method [{method_name}] is not a function of the data model module")
                self.methods[name] = method
            else:
                raise AssertionError(f"{where} ({name}) must define one of: [Path, Method]")

    @property
    def id(self) -> str:  # pylint: disable=invalid-name
        """The DataModelID."""
        return self.data_model_id
