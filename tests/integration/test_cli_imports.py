"""Operators import regions and average wages from CSV files and get a row-by-row report."""
import os
import subprocess
import sys

from services.common import storage


def run_cli(settings, *args):
    env = {**os.environ, "MONGO_URI": settings.mongo_uri, "AMQP_URI": settings.amqp_uri,
           "SHEGONG_DATABASE_PREFIX": settings.database_prefix}
    return subprocess.run([sys.executable, "-m", "shegong", *args], env=env, text=True, capture_output=True,
                          timeout=120)


def test_import_regions_and_wages_from_csv(isolated_settings, tmp_path):
    assert run_cli(isolated_settings, "migrate").returncode == 0
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name,level,parent_code\n321181901,新城街道,township,321181\n"
                       "321181,丹阳市,county,321100\n3211819,坏,township,321181\n", encoding="utf-8")
    result = run_cli(isolated_settings, "import", "regions", str(regions))
    assert result.returncode == 1  # one row refused
    assert '"accepted": 1' in result.stdout and '"unchanged": 1' in result.stdout
    assert "row 3: code" in result.stderr
    assert storage.database("registry").regions.find_one({"_id": "321181901"})["name"] == "新城街道"

    wages = tmp_path / "wages.csv"
    wages.write_text("region_code,year,monthly_wage_fen,source\n321181,2025,1150000,丹阳市统计局\n"
                     "321181,2025,11500.5,bad\n", encoding="utf-8")
    result = run_cli(isolated_settings, "import", "wages", str(wages))
    assert '"accepted": 1' in result.stdout
    assert "row 2: monthly_wage_fen" in result.stderr
    stored = storage.database("registry").average_wages.find_one({"region_code": "321181", "year": 2025})
    assert stored["monthly_wage_fen"] == 1_150_000
