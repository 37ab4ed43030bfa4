from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path

from tasks.serving.world_map import country_paths, map_extent, parse_path

pytestmark = pytest.mark.unit


def test_parse_path_follows_relative_and_absolute_commands() -> None:
    path = parse_path("m10 20l5 0h5v5c1 1 2 2 3 3s4 4 5 5L0 0z")
    assert path.codes is not None
    assert list(path.codes[:4]) == [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO]
    assert np.allclose(path.vertices[:4], [(10, 20), (15, 20), (20, 20), (20, 25)])
    # c: three vertices relative to (20, 25); s mirrors the last control point (22, 27)
    assert np.allclose(path.vertices[4:7], [(21, 26), (22, 27), (23, 28)])
    assert np.allclose(path.vertices[7:10], [(24, 29), (27, 32), (28, 33)])
    assert np.allclose(path.vertices[10], (0, 0)) and path.codes[-1] == Path.CLOSEPOLY


def test_country_outlines_cover_the_big_countries_inside_the_map() -> None:
    outlines = country_paths()
    assert len(outlines) > 150
    x0, x1, y0, y1 = map_extent()
    for code in ("US", "RU", "CN", "BR", "DE", "GB", "IN", "AU"):
        box = outlines[code].get_extents()
        assert x0 <= box.x0 < box.x1 <= x1 and y0 <= box.y0 < box.y1 <= y1, code
    # Russia lies north and east of Brazil (SVG y grows downwards)
    assert outlines["RU"].get_extents().y1 < outlines["BR"].get_extents().y0
    assert outlines["RU"].get_extents().x0 > outlines["BR"].get_extents().x0
