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


def test_import_a_roster_with_the_command_and_again_without_a_second_effect(isolated_settings, tmp_path):
    from datetime import date

    from services.casework.storage import CaseworkRepository
    from services.casework.usecases import Casework, inbound
    from tests.support import casework_fixtures as fx

    assert run_cli(isolated_settings, "migrate").returncode == 0
    inbound.record_station(Casework(CaseworkRepository(storage.database("casework"))), fx.station_registered())
    roster = tmp_path / "tekun.csv"
    number = fx.id_number(date(1944, 5, 6), 3)
    roster.write_bytes(("姓名,身份证号,村(社区)代码,家庭住址\n"
                        f"张德明,{number},{fx.COMMUNITY},三里村4组12号\n错号,123,,\n").encode("gbk"))
    report = tmp_path / "report.csv"
    first = run_cli(isolated_settings, "import", "roster", "tekun", str(roster), "--region", fx.COUNTY,
                    "--report", str(report))
    assert first.returncode == 0, first.stderr
    assert '"created": 1' in first.stdout and '"failed": 1' in first.stdout and "2/2 rows" in first.stderr
    assert "张*明" in report.read_text(encoding="utf-8-sig") and number not in report.read_text(encoding="utf-8-sig")
    again = run_cli(isolated_settings, "import", "roster", "tekun", str(roster), "--region", fx.COUNTY)
    assert '"created": 1' in again.stdout  # the same job: nothing was applied twice
    assert storage.database("casework").households.count_documents({}) == 1
