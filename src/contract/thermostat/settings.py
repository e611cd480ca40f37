"""The base of each function's settings: read from the environment when the handler first runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from thermostat.errors import ConfigurationError


class EnvironmentSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    # Names are the environment variables, lower-cased.
    table_name: str = Field(min_length=3, max_length=255)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        values = {key.lower(): value for key, value in environ.items() if value != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            problems = ", ".join(
                f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors()
            )
            raise ConfigurationError(f"invalid function configuration: {problems}") from err
