"""Area outlines the console's map draws: GeoJSON files the project ships (geo/) or a deployment adds,
read at start, checked, and merged into one FeatureCollection. No map tiles and no scripts from the
internet: command centres often run on isolated networks.

Each feature is one area: `properties.code` its GB/T 2260 (or 12-digit) code, `name` and optionally
`name_zh`; its geometry a Polygon or MultiPolygon in WGS 84 longitude and latitude.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from warning.areas import normal_area_code
from warning.errors import ConfigFileError, FileProblem

LARGEST_FILE = 20 * 1024 * 1024  # a province's districts at full detail are a few MB

Position = Annotated[list[float], Field(min_length=2, max_length=3)]
Ring = Annotated[list[Position], Field(min_length=4)]


class GeometryFileError(ConfigFileError):
    """An area outline file is invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AreaProperties(_Model):
    code: str = Field(min_length=6, max_length=12)
    name: str = Field(min_length=1, max_length=200)
    name_zh: str | None = Field(default=None, max_length=200)


class Polygon(_Model):
    type: Literal["Polygon"]
    coordinates: list[Ring] = Field(min_length=1)


class MultiPolygon(_Model):
    type: Literal["MultiPolygon"]
    coordinates: list[Annotated[list[Ring], Field(min_length=1)]] = Field(min_length=1)


class AreaFeature(_Model):
    type: Literal["Feature"]
    properties: AreaProperties
    geometry: Polygon | MultiPolygon = Field(discriminator="type")


class AreaCollection(_Model):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


def _rings(feature: AreaFeature) -> list[list[list[float]]]:
    geometry = feature.geometry
    if isinstance(geometry, Polygon):
        return list(geometry.coordinates)
    return [ring for polygon in geometry.coordinates for ring in polygon]


def _position_problem(rings: list[list[list[float]]]) -> str | None:
    for ring in rings:
        for position in ring:
            lon, lat = position[0], position[1]
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                return f"position {position[:2]} is not a WGS 84 longitude and latitude"
    return None


def _files(paths: tuple[Path, ...]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.geojson")) if path.is_dir() else [path])
    return found


def load_geometry(paths: tuple[Path, ...]) -> dict[str, Any]:
    """Every area outline in the files (or the `.geojson` files of folders) as one FeatureCollection,
    a later file's area replacing an earlier one's. Every problem is reported with its file and the
    feature's position (GeometryFileError); nothing is served from a file with a problem."""
    problems: list[FileProblem] = []
    areas: dict[str, dict[str, Any]] = {}
    for path in _files(paths):
        name = str(path)
        try:
            if path.stat().st_size > LARGEST_FILE:
                problems.append(FileProblem(name, 0, f"larger than {LARGEST_FILE // (1024 * 1024)} MB"))
                continue
            document = json.loads(path.read_bytes())
            collection = AreaCollection.model_validate(document)
        except OSError as exc:
            problems.append(FileProblem(name, 0, f"cannot be read: {exc.strerror or exc}"))
            continue
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            problems.append(FileProblem(name, getattr(exc, "lineno", 0), f"is not JSON: {exc}"))
            continue
        except ValidationError as exc:
            problems.append(FileProblem(name, 0, f"is not a GeoJSON FeatureCollection: {exc.errors()[0]['msg']}"))
            continue
        for index, raw in enumerate(collection.features):
            where = f"feature {index}"
            try:
                feature = AreaFeature.model_validate(raw)
                code = normal_area_code(feature.properties.code)
            except ValidationError as exc:
                error = exc.errors()[0]
                field = ".".join(str(part) for part in error["loc"])
                problems.append(FileProblem(name, 0, f"{where}: {field}: {error['msg']}"))
                continue
            except ValueError as exc:
                problems.append(FileProblem(name, 0, f"{where}: {exc}"))
                continue
            problem = _position_problem(_rings(feature))
            if problem is not None:
                problems.append(FileProblem(name, 0, f"{where} ({code}): {problem}"))
                continue
            properties = feature.properties.model_dump() | {"code": code}
            areas[code] = {"type": "Feature", "properties": properties,
                           "geometry": feature.geometry.model_dump()}  # fmt: skip
    if problems:
        raise GeometryFileError(problems)
    return {"type": "FeatureCollection", "features": [areas[code] for code in sorted(areas)]}


def contains(feature: dict[str, Any], lon: float, lat: float) -> bool:
    """Whether a point lies inside an area's outline (ray casting; holes count as outside)."""
    geometry = feature["geometry"]
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        inside = [_in_ring(ring, lon, lat) for ring in polygon]
        if inside[0] and not any(inside[1:]):
            return True
    return False


def _in_ring(ring: list[list[float]], lon: float, lat: float) -> bool:
    inside = False
    for here, after in zip(ring, ring[1:] + ring[:1], strict=True):
        (x1, y1), (x2, y2) = here[:2], after[:2]
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside
